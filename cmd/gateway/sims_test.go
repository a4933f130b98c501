package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

// The simulator's download links point where it is served.
func TestMilkySimLinksPointAtItself(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "0.0.0.0:0"} {
		s, err := startMilkySim(listen, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
		require.NoError(t, err)
		group := s.sim.Groups()[0].GroupID
		member := s.sim.Members(group)[1].UserID
		fileID := s.sim.GroupFileUpload(group, member, "a.txt", 12)
		body, _ := json.Marshal(map[string]any{"group_id": group, "file_id": fileID})
		out, err := s.sim.HandleAPI(context.Background(), "get_group_file_download_url", body)
		require.NoError(t, err)
		b, _ := json.Marshal(out)
		var u struct {
			URL string `json:"download_url"`
		}
		require.NoError(t, json.Unmarshal(b, &u))
		require.True(t, strings.HasPrefix(u.URL, "http://127.0.0.1:"), "%s (listen %s)", u.URL, listen)
		resp, err := http.Get(u.URL)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", u.URL)
		s.stop()
	}
}
