package mqtt_test

import (
	"log"
	"os"
	"os/signal"

	"github.com/mochi-mqtt/server/v2/listeners"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// This example runs a local ingest endpoint on the standard MQTT port of the
// loopback interface and prints every accepted point.
func ExampleNew() {
	var models *thingmodel.Catalog // loaded from the platform's model files
	var devices validate.Directory // the gateway topology; nil: no check
	srv, err := mqtt.New(mqtt.Options{
		Validate: validate.Options{Models: models, Directory: devices},
		Sink: mqtt.SinkFunc(func(b *mqtt.Batch) error {
			for _, p := range b.Points {
				log.Printf("%s/%s %s = %s at %d", p.ProductKey, p.DeviceKey, p.Identifier, p.Value, p.Time)
			}
			return nil
		}),
		OnVerdict: func(v *mqtt.Verdict) {
			if v.Result != nil {
				log.Printf("%s on %s: %d", v.ClientID, v.Topic, v.Result.Code)
			}
		},
		AllowAll: true, // no credentials: loopback only
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: "local", Address: "127.0.0.1:1883"})); err != nil {
		log.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		log.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
	mqtt.Close(srv)
}
