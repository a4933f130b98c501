package ob11milky

import (
	"context"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// otherActions are the actions of the catalog's "other" category (OCR,
// rkeys, custom faces, raw packets...). Each handler is a small function below.
var otherActions = []Action{
	{Name: "fetch_custom_face", Category: "other", Class: Translated, Handler: fetchCustomFace,
		Milky: []string{milky.APIGetCustomFaceURLList}},
	// What Milky 1.2 cannot express.
	{Name: "ocr_image", Category: "other", Class: Unsupported,
		Reason: "Milky 1.2 has no OCR API"},
	{Name: ".ocr_image", Category: "other", Class: Unsupported,
		Reason: "Milky 1.2 has no OCR API"},
	{Name: "get_rkey", Category: "other", Class: Unsupported,
		Reason: "Milky 1.2 does not expose rkeys: media URLs come complete from the upstream (get_resource_temp_url)"},
	{Name: "get_recommend_face", Category: "other", Class: Unsupported,
		Reason: "Milky 1.2 has no sticker recommendation API"},
	{Name: "send_pb", Category: "other", Class: Unsupported,
		Reason: "Milky 1.2 does not send raw protocol packets"},
	{Name: "scan_qrcode", Category: "other", Class: Unsupported,
		Reason: "Milky 1.2 has no QR code recognition API"},
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
