package simulator

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"
)

// serveMedia answers the temp_url and download links the simulator hands
// out: /sim/res/<resource_id>, /sim/file/private/<user_id>?id=<file_id> and
// /sim/file/group/<group_id>?id=<file_id>. Sent base64:// content comes back
// as sent, http(s):// resources redirect to their origin, anything else is a
// generated placeholder (a small PNG for images). No auth, like QQ's CDN.
// It is a Route of the Milky server, beside /api and /event.
func (s *Sim) serveMedia(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set(fasthttp.HeaderAllow, "GET, HEAD")
		ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(string(ctx.Path()), "/sim/")
	if !ok {
		ctx.NotFound()
		return
	}
	kind, id, _ := strings.Cut(rest, "/")
	switch kind {
	case "res":
		s.serveResource(ctx, id)
	case "file":
		s.serveFile(ctx, id)
	default:
		ctx.NotFound()
	}
}

func (s *Sim) serveResource(ctx *fasthttp.RequestCtx, id string) {
	s.mu.Lock()
	res := s.w.resources[id]
	var kind, uri string
	var data []byte
	var w, h int32
	if res != nil {
		kind, uri, data, w, h = res.kind, res.uri, res.data, res.w, res.h
	}
	s.mu.Unlock()
	switch {
	case res == nil && strings.HasPrefix(id, "custom-face-"):
		kind, w, h = "image", 64, 64
	case res == nil:
		ctx.NotFound()
		return
	}
	if data != nil {
		ctx.SetContentType(http.DetectContentType(data)) // a pure sniffing function; no net/http serving here
		ctx.SetBody(data)
		return
	}
	if strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://") {
		ctx.Redirect(uri, fasthttp.StatusFound)
		return
	}
	switch kind {
	case "image":
		ctx.SetContentType("image/png")
		ctx.SetBody(placeholderPNG(id, w, h))
	case "record":
		ctx.SetContentType("audio/silk")
		ctx.SetBodyString("\x02#!SILK_V3")
	default:
		ctx.SetContentType("video/mp4")
		ctx.SetBodyString("\x00\x00\x00\x18ftypmp42")
	}
}

func (s *Sim) serveFile(ctx *fasthttp.RequestCtx, rest string) {
	scope, _, _ := strings.Cut(rest, "/")
	q := ctx.QueryArgs()
	var data []byte
	name := string(q.Peek("fname"))
	s.mu.Lock()
	if scope == "private" {
		if f := s.w.privFiles[string(q.Peek("id"))]; f != nil {
			data, name = f.data, f.name
		}
	}
	s.mu.Unlock()
	if data == nil {
		data = []byte(fmt.Sprintf("simulated content of %s\n", name))
	}
	ctx.SetContentType("application/octet-stream")
	if name != "" {
		ctx.Response.Header.Set(fasthttp.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(name))
	}
	ctx.SetBody(data)
}

// placeholderPNG draws a flat image whose colour depends on the id, at most
// 256 pixels a side.
func placeholderPNG(id string, w, h int32) []byte {
	w, h = min(max(w, 1), 256), min(max(h, 1), 256)
	img := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
	x := hashOf(id)
	c := color.RGBA{uint8(x), uint8(x >> 8), uint8(x >> 16), 255}
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
