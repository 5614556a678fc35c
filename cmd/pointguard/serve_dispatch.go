package main

import (
	"context"
	"log/slog"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/protocol"
)

// writeResultLogger logs each multiSet write result: a success at info level,
// any other status at warn level, a result that could not be published at
// error level.
func writeResultLogger(log *slog.Logger) func(*mqtt.WriteOutcome) {
	return func(o *mqtt.WriteOutcome) {
		r := o.Result
		level := slog.LevelInfo
		attrs := []slog.Attr{
			slog.String("requestId", r.RequestID),
			slog.String("productKey", r.ProductKey),
			slog.String("deviceKey", r.DeviceKey),
			slog.String("measurepointId", r.MeasurepointID),
			slog.String("channel", o.Topic),
			slog.String("commandId", o.CommandID),
			slog.Int("status", int(r.Status)),
			slog.String("statusMsg", r.Msg), // not "msg": the record's own key
			slog.String("submsg", r.Submsg),
		}
		if o.DeviceCode != 0 {
			attrs = append(attrs, slog.Int("deviceCode", o.DeviceCode))
		}
		if r.Status != 0 {
			level = slog.LevelWarn
		}
		if o.Err != nil {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", o.Err.Error()))
		}
		log.LogAttrs(context.Background(), level, "write result", attrs...)
	}
}

// dispatchErrorLogger logs an accepted multiSet item that could not be sent
// (its REST reply says 1000205).
func dispatchErrorLogger(log *slog.Logger) func(*protocol.SetMeasurepointReply, error) {
	return func(item *protocol.SetMeasurepointReply, err error) {
		log.LogAttrs(context.Background(), slog.LevelWarn, "multiSet item not sent",
			slog.String("requestId", item.RequestID),
			slog.String("productKey", item.ProductKey),
			slog.String("deviceKey", item.DeviceKey),
			slog.String("channel", item.SetMeasurepointChannelID),
			slog.String("error", err.Error()))
	}
}

// strayReplyLogger logs, at warn level, each set reply that completed no
// write: a device answering with a wrong id, or too late.
func strayReplyLogger(log *slog.Logger) func(clientID, topic, reason string) {
	return func(clientID, topic, reason string) {
		log.LogAttrs(context.Background(), slog.LevelWarn, "stray set reply",
			slog.String("client", clientID), slog.String("topic", topic), slog.String("reason", reason))
	}
}
