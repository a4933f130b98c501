package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/translate/class"
	translate "github.com/qqbridge/gateway/translate/ob11milky"
)

// onebot11.QQBridge (what the reverse direction may ask of this gateway's
// first direction) lists exactly the first direction's served extensions.
func TestQQBridgeImplMatchesTheFirstDirection(t *testing.T) {
	for name, a := range translate.Actions {
		served := a.Class != class.Unsupported
		assert.Equal(t, served, onebot11.QQBridge.Offers(name), "%s (%s)", name, a.Class)
	}
	assert.Equal(t, onebot11.QQBridge, onebot11.DetectImpl("qqbridge-gateway", "dev"))
}
