package ob11milky

import (
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// System events: bot_offline.

// botOffline is a gateway extension notice (OneBot 11 has no such event;
// NapCat uses the same notice_type): {notice_type: "bot_offline",
// user_id: self, reason}. It is a notice, not meta_event lifecycle, because
// the gateway's own connection to the bot stays up.
func botOffline(env *Env, ev *milky.Event) (Result, error) {
	d, err := decode[milky.BotOfflineData](ev)
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeBotOffline, "")
	n.UserID = selfID(env, ev)
	n.Reason = d.Reason
	return one(n), nil
}
