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
)

// serveMedia answers the temp_url and download links the simulator hands
// out: /sim/res/<resource_id>, /sim/file/private/<user_id>?id=<file_id> and
// /sim/file/group/<group_id>?id=<file_id>. Sent base64:// content comes back
// as sent, http(s):// resources redirect to their origin, anything else is a
// generated placeholder (a small PNG for images). No auth, like QQ's CDN.
func (s *Sim) serveMedia(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/sim/")
	if !ok {
		http.NotFound(rw, r)
		return
	}
	kind, id, _ := strings.Cut(rest, "/")
	switch kind {
	case "res":
		s.serveResource(rw, r, id)
	case "file":
		s.serveFile(rw, r, id)
	default:
		http.NotFound(rw, r)
	}
}

func (s *Sim) serveResource(rw http.ResponseWriter, r *http.Request, id string) {
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
		http.NotFound(rw, r)
		return
	}
	if data != nil {
		rw.Header().Set("Content-Type", http.DetectContentType(data))
		_, _ = rw.Write(data)
		return
	}
	if strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://") {
		http.Redirect(rw, r, uri, http.StatusFound)
		return
	}
	switch kind {
	case "image":
		rw.Header().Set("Content-Type", "image/png")
		_, _ = rw.Write(placeholderPNG(id, w, h))
	case "record":
		rw.Header().Set("Content-Type", "audio/silk")
		_, _ = rw.Write([]byte("\x02#!SILK_V3"))
	default:
		rw.Header().Set("Content-Type", "video/mp4")
		_, _ = rw.Write([]byte("\x00\x00\x00\x18ftypmp42"))
	}
}

func (s *Sim) serveFile(rw http.ResponseWriter, r *http.Request, rest string) {
	scope, _, _ := strings.Cut(rest, "/")
	id := r.URL.Query().Get("id")
	var data []byte
	name := r.URL.Query().Get("fname")
	s.mu.Lock()
	if scope == "private" {
		if f := s.w.privFiles[id]; f != nil {
			data, name = f.data, f.name
		}
	}
	s.mu.Unlock()
	if data == nil {
		data = []byte(fmt.Sprintf("simulated content of %s\n", name))
	}
	rw.Header().Set("Content-Type", "application/octet-stream")
	if name != "" {
		rw.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	}
	_, _ = rw.Write(data)
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
