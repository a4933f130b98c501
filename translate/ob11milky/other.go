package ob11milky

import (
	"context"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// otherActions are the actions of the catalog's "other" category (OCR,
// rkeys, custom faces, raw packets...). Each handler is a small function below.
var otherActions = []Action{
	translated("other", "fetch_custom_face", fetchCustomFace, milky.APIGetCustomFaceURLList),
	// What Milky 1.2 cannot express.
	unsupported("other", "ocr_image", "Milky 1.2 has no OCR API"),
	unsupported("other", ".ocr_image", "Milky 1.2 has no OCR API"),
	unsupported("other", "get_rkey",
		"Milky 1.2 does not expose rkeys: media URLs come complete from the upstream (get_resource_temp_url)"),
	unsupported("other", "get_recommend_face", "Milky 1.2 has no sticker recommendation API"),
	unsupported("other", "send_pb", "Milky 1.2 does not send raw protocol packets"),
	unsupported("other", "scan_qrcode", "Milky 1.2 has no QR code recognition API"),
}

// fetchCustomFace: count (NapCat; optional, at most that many) →
// get_custom_face_url_list; data is the list of URLs.
func fetchCustomFace(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	count := int32Param(p, 0, "count")
	return ask(ctx, env, p, milky.APIGetCustomFaceURLList, &milky.Empty{}, func(out milky.GetCustomFaceURLListOutput) any {
		urls := out.URLs
		if urls == nil {
			urls = []string{}
		}
		if count > 0 && int(count) < len(urls) {
			urls = urls[:count]
		}
		return urls
	})
}
