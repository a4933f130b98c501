module github.com/qqbridge/gateway

go 1.26

require github.com/goccy/go-json v0.12.0
