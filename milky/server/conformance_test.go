package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qqbridge/gateway/internal/conformance"
	"github.com/qqbridge/gateway/internal/conformance/schematest"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

// TestMain: these tests send and publish deliberately invalid things; they
// are not the gateway's output, so they stay out of the conformance log
// (except the tests here, which write their own log).
func TestMain(m *testing.M) { conformance.RunWithoutLog(m) }

// checkConformance runs conformance/check.mjs on log; it skips when node
// or the schema package (cd conformance && npm ci) is missing.
func checkConformance(t *testing.T, log string) (string, error) {
	t.Helper()
	return schematest.Require(t).Run("check.mjs", log)
}

// withConformanceLog points the server's conformance log at a temp file
// for one test.
func withConformanceLog(t *testing.T) string {
	log := filepath.Join(t.TempDir(), "conformance.jsonl")
	conformance.SetPath(log)
	t.Cleanup(conformance.Disable)
	return log
}

func TestEmittedEnvelopesAndEventsPassTheOfficialSchema(t *testing.T) {
	log := withConformanceLog(t)
	e := newEnv(t, Config{})
	code, _ := e.post("get_login_info", "", ctJSON, `{}`)
	require.Equal(t, 200, code)
	code, _ = e.post("set_bio", "", ctJSON, `{"new_bio":"hi"}`)
	require.Equal(t, 200, code)
	code, _ = e.post("get_user_profile", "", ctJSON, `{"user_id":-1}`)
	require.Equal(t, 200, code)
	e.s.Publish(testEvent(1))
	e.s.Publish(&milky.Event{Time: 1700000000, SelfID: 10001, EventType: milky.EventFriendRequest,
		Data: json.RawMessage(`{"initiator_id":20002,"initiator_uid":"u_x","comment":"hi","via":"search"}`)})
	conformance.Disable()

	out, err := checkConformance(t, log)
	assert.NoError(t, err, out)
	assert.Contains(t, out, "conformance: 5 passed, 0 failed")
}

func TestConformanceCheckRejectsBadOutput(t *testing.T) {
	bad := strings.Join([]string{
		`{"kind":"event","body":{"time":1,"self_id":10001,"event_type":"bot_offline","data":{"reason":"x","extra":1}}}`,
		`{"kind":"event","body":{"time":1,"self_id":10001,"event_type":"no_such_event","data":{}}}`,
		`{"kind":"response","api":"set_bio","body":{"status":"ok","retcode":0,"data":null}}`,
		`{"kind":"response","api":"get_login_info","body":{"status":"ok","retcode":0,"data":{"uin":10001}}}`,
		`{"kind":"response","api":"set_bio","body":{"status":"failed","retcode":0,"message":"x"}}`,
		`{"kind":"response","api":"set_bio","body":{"status":"failed","retcode":-1,"message":"x","data":{}}}`,
	}, "\n")
	log := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(log, []byte(bad), 0o644))
	out, err := checkConformance(t, log)
	assert.Error(t, err)
	assert.Contains(t, out, "conformance: 0 passed, 6 failed", out)
}
