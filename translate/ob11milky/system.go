package ob11milky

import (
	"context"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// systemActions are the system actions. Each handler is a small function below.
var systemActions = []Action{
	translated("system", "get_login_info", getLoginInfo, milky.APIGetLoginInfo),
	translated("system", "get_version_info", getVersionInfo, milky.APIGetImplInfo),
	emulated("system", "get_status", getStatus),
	translated("other", ".handle_quick_operation", handleQuickOperation, quickOperationAPIs...),
	// system_cookies.go
	translated("system", "get_cookies", getCookies, milky.APIGetCookies, milky.APIGetCSRFToken),
	translated("system", "get_csrf_token", getCSRFToken, milky.APIGetCSRFToken),
	translated("system", "get_credentials", getCredentials, milky.APIGetCookies, milky.APIGetCSRFToken),
	// What Milky 1.2 cannot express.
	unsupported("system", "set_restart",
		"the gateway cannot restart the Milky implementation: Milky 1.2 has no restart API"),
	unsupported("system", "clean_cache",
		"Milky 1.2 has no API to clear the implementation's cache, and the gateway keeps none of its own (its message-id map is state): a success would be false"),
	unsupported("system", "set_online_status", "Milky 1.2 has no API to set the bot's online status"),
}

// getLoginInfo → get_login_info (uin becomes user_id).
func getLoginInfo(ctx context.Context, env *Env, _ *onebot11.Reader) (any, error) {
	var out milky.GetLoginInfoOutput
	if err := env.Upstream.Call(ctx, milky.APIGetLoginInfo, &milky.Empty{}, &out); err != nil {
		return nil, err
	}
	return &onebot11.LoginInfo{UserID: out.Uin, Nickname: out.Nickname}, nil
}

// versionInfo names the gateway as the OneBot implementation and the Milky
// implementation behind it.
type versionInfo struct {
	AppName         string `json:"app_name"`
	AppVersion      string `json:"app_version"`
	ProtocolVersion string `json:"protocol_version"`
	ImplName        string `json:"impl_name,omitempty"`
	ImplVersion     string `json:"impl_version,omitempty"`
	MilkyVersion    string `json:"milky_version,omitempty"`
}

// getVersionInfo → get_impl_info. The gateway's own fields do not depend on
// the upstream, so when get_impl_info fails the call still succeeds without
// the impl_* fields: bots query this at connect and should not fail there
// because the upstream is restarting.
func getVersionInfo(ctx context.Context, env *Env, _ *onebot11.Reader) (any, error) {
	info := &versionInfo{AppName: "qqbridge-gateway", AppVersion: env.Version, ProtocolVersion: "v11"}
	var out milky.GetImplInfoOutput
	if err := env.Upstream.Call(ctx, milky.APIGetImplInfo, &milky.Empty{}, &out); err == nil {
		info.ImplName, info.ImplVersion, info.MilkyVersion = out.ImplName, out.ImplVersion, out.MilkyVersion
	}
	return info, nil
}

// getStatus answers from the runtime's view of the upstream (no call): online
// is the API being reachable, good the event stream being connected too.
func getStatus(_ context.Context, env *Env, _ *onebot11.Reader) (any, error) {
	online, good := true, true
	if env.UpstreamStatus != nil {
		online, good = env.UpstreamStatus()
	}
	return &onebot11.Status{Online: online, Good: good}, nil
}
