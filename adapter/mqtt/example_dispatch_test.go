package mqtt_test

import (
	"log"
	"net/http"

	"github.com/pointguard/pointguard/adapter/httpapi"
	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/protocol"
)

// This example serves the multiSet API next to the broker: each accepted item
// is sent to its device as a set command, and its write result is published
// on the item's channel and logged.
func ExampleNewDispatcher() {
	srv, err := mqtt.New(mqtt.Options{AllowAll: true}) // listeners and Serve as in ExampleNew
	if err != nil {
		log.Fatal(err)
	}
	d, err := mqtt.NewDispatcher(srv, mqtt.DispatcherOptions{
		OnResult: func(o *mqtt.WriteOutcome) {
			log.Printf("%s on %s: %d %s", o.Result.RequestID, o.Topic, o.Result.Status, o.Result.Submsg)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(protocol.MultiSetPath, httpapi.New(httpapi.Options{Dispatcher: d}))
	// ... serve mux; at the end, in this order:
	d.Close() // the items still waiting get their result
	mqtt.Close(srv)
}
