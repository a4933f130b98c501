package ob11milky

import (
	"context"
	"strconv"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Cookies and the CSRF token (bkn) for QQ web APIs.

// getCookies: domain (optional in OneBot 11: "" is passed on, the upstream
// decides what it means) → get_cookies. bkn is LLOneBot's extra field: the
// QQ web CSRF hash of the skey cookie when the cookies carry one, else
// get_csrf_token's token (the same value, computed by the upstream).
func getCookies(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	cookies, err := fetchCookies(ctx, env, p)
	if err != nil {
		return nil, err
	}
	data := &onebot11.CookiesData{Cookies: cookies}
	if skey, ok := cookieValue(cookies, "skey"); ok && skey != "" {
		data.Bkn = strconv.FormatInt(int64(bkn(skey)), 10)
		return data, nil
	}
	token, err := fetchCSRFToken(ctx, env)
	if err != nil {
		return nil, segment.Wrapf(err, "bkn (no skey cookie for this domain)")
	}
	data.Bkn = strconv.FormatInt(token, 10)
	return data, nil
}

// getCSRFToken → get_csrf_token (OneBot 11 gives the token as a number).
func getCSRFToken(ctx context.Context, env *Env, _ *onebot11.Reader) (any, error) {
	token, err := fetchCSRFToken(ctx, env)
	if err != nil {
		return nil, err
	}
	return &onebot11.CSRFData{Token: token}, nil
}

// getCredentials: domain → get_cookies, then get_csrf_token.
func getCredentials(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	cookies, err := fetchCookies(ctx, env, p)
	if err != nil {
		return nil, err
	}
	token, err := fetchCSRFToken(ctx, env)
	if err != nil {
		return nil, err
	}
	return &onebot11.CredentialsData{Cookies: cookies, CSRFToken: token}, nil
}

func fetchCookies(ctx context.Context, env *Env, p *onebot11.Reader) (string, error) {
	domain := p.OptString("", "domain")
	if err := p.Err(); err != nil {
		return "", err
	}
	var out milky.GetCookiesOutput
	if err := env.Upstream.Call(ctx, milky.APIGetCookies, &milky.GetCookiesInput{Domain: domain}, &out); err != nil {
		return "", err
	}
	return out.Cookies, nil
}

// fetchCSRFToken calls get_csrf_token; Milky types the token as a string,
// OneBot 11 as a number, so a token that is not a number is the upstream's
// error, not something to pass on silently changed.
func fetchCSRFToken(ctx context.Context, env *Env) (int64, error) {
	var out milky.GetCSRFTokenOutput
	if err := env.Upstream.Call(ctx, milky.APIGetCSRFToken, &milky.Empty{}, &out); err != nil {
		return 0, err
	}
	token, err := strconv.ParseInt(strings.TrimSpace(out.CSRFToken), 10, 64)
	if err != nil {
		return 0, onebot11.Errorf(onebot11.RetcodeUpstream, "upstream get_csrf_token returned %q, which is not a number", segment.Shorten(out.CSRFToken, 40))
	}
	return token, nil
}

// cookieValue finds name in a "k1=v1; k2=v2" cookie string.
func cookieValue(cookies, name string) (string, bool) {
	for part := range strings.SplitSeq(cookies, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// bkn is QQ's web CSRF hash (g_tk) of an skey: djb2 with
// hash += hash<<5 + c, masked to 31 bits.
func bkn(skey string) int32 {
	hash := int64(5381)
	for i := 0; i < len(skey); i++ {
		hash += hash<<5 + int64(skey[i])
	}
	return int32(hash & 0x7fffffff)
}
