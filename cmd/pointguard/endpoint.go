package main

import (
	"context"
	"log/slog"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/environment"
)

// deviceRegistry returns the device endpoint's registry of the environment's
// devices, with their secrets; nil when the file has no "devices" (then no
// topology check, and session requests are answered 705).
func deviceRegistry(env *environment.Env) (*mqtt.Devices, error) {
	ids := env.Devices()
	if ids == nil {
		return nil, nil
	}
	devs := make([]mqtt.Device, 0, len(ids))
	for _, id := range ids {
		d, _ := env.Device(id.ProductKey, id.DeviceKey)
		secret, _ := env.Secret(id.ProductKey, id.DeviceKey)
		devs = append(devs, mqtt.Device{ProductKey: id.ProductKey, DeviceKey: id.DeviceKey, Device: d, Secret: secret})
	}
	return mqtt.NewDevices(devs)
}

// accessLogger logs the access events: refusals at warn level, the rest at
// info. The events hold no secret, password or sign.
func accessLogger(log *slog.Logger) func(*mqtt.AccessEvent) {
	return func(e *mqtt.AccessEvent) {
		attrs := make([]slog.Attr, 0, 8)
		attrs = append(attrs, slog.String("client", e.ClientID))
		if e.Username != "" {
			attrs = append(attrs, slog.String("username", e.Username))
		}
		if e.Topic != "" {
			attrs = append(attrs, slog.String("topic", e.Topic))
		}
		level := slog.LevelInfo
		switch e.Kind {
		case mqtt.ConnectRefused, mqtt.PublishRefused, mqtt.SubscribeRefused, mqtt.PayloadRefused:
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("reason", e.Reason))
		case mqtt.Session:
			attrs = append(attrs, slog.String("method", e.Op.String()), slog.Int("code", int(e.Code)))
			for _, r := range e.Results {
				v := r.Code.String()
				if r.Detail != "" {
					v += ": " + r.Detail
				}
				attrs = append(attrs, slog.String(r.ProductKey+"/"+r.DeviceKey, v))
			}
			if e.Code != mqtt.LoginOK {
				level = slog.LevelWarn
			}
		case mqtt.SessionsDropped:
			attrs = append(attrs, slog.Int("offline", e.Dropped))
		}
		log.LogAttrs(context.Background(), level, e.Kind.String(), attrs...)
	}
}
