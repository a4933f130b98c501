package config

import (
	"slices"
	"strings"
)

// Mask replaces a secret in Masked output.
const Mask = "***"

// Masked returns a copy safe to print or log: tokens and secrets become
// "***" (empty ones stay empty, so "not set" remains visible), and URLs lose
// a userinfo password and access_token/token query values.
func (c *Config) Masked() *Config {
	m := *c
	for _, p := range []*string{&m.UpstreamToken, &m.UpstreamSecret, &m.AccessToken, &m.Secret} {
		if *p != "" {
			*p = Mask
		}
	}
	m.Upstream = maskURL(m.Upstream)
	m.ReverseWS = maskURLs(m.ReverseWS)
	m.Webhooks = maskURLs(m.Webhooks)
	return &m
}

func maskURLs(us []string) []string {
	out := slices.Clone(us)
	for i, u := range out {
		out[i] = maskURL(u)
	}
	return out
}

// maskURL works on the text, not url.Parse, so that it also masks URLs that
// do not parse (they end up in validation errors).
func maskURL(raw string) string {
	s := raw
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				s = s[:i+3] + rest[:colon+1] + Mask + rest[at:]
			}
		}
	}
	q := strings.Index(s, "?")
	if q < 0 {
		return s
	}
	query, frag := s[q+1:], ""
	if h := strings.Index(query, "#"); h >= 0 {
		query, frag = query[:h], query[h:]
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		if hasValue && (strings.EqualFold(k, "access_token") || strings.EqualFold(k, "token")) {
			parts[i] = k + "=" + Mask
		}
	}
	return s[:q+1] + strings.Join(parts, "&") + frag
}
