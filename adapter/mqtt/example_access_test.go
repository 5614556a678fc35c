package mqtt_test

import (
	"fmt"
	"log"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/validate"
)

// This example prints the CONNECT credentials of a device in secure mode 2, as
// the vendor's SDKs build them.
func ExampleCredentials() {
	user, clientID, password := mqtt.Credentials(mqtt.SHA256, "gwP", "gw1", "gw1-secret", "1700000000000", "compress=GZIP")
	fmt.Println(user)
	fmt.Println(clientID)
	fmt.Println(len(password), mqtt.CheckSign(mqtt.SHA256, "gw1-secret",
		mqtt.SignParams{ClientID: "gw1{compress=GZIP}", DeviceKey: "gw1", ProductKey: "gwP", Timestamp: "1700000000000"}, password))
	// Output:
	// gw1&gwP
	// gw1{compress=GZIP}|securemode=2,signmethod=sha256,timestamp=1700000000000|
	// 64 true
}

// This example makes a broker the platform's device endpoint: devices with
// secrets must authenticate, and sub-device sessions drive the online state
// that the validator's sub-device check reads.
func ExampleNewDevices() {
	devices, err := mqtt.NewDevices([]mqtt.Device{
		{ProductKey: "gwP", DeviceKey: "gw1", Secret: "gw1-secret", Device: validate.Device{Online: true}},
		{ProductKey: "product1", DeviceKey: "device1", Secret: "device1-secret",
			Device: validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: false}},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := mqtt.New(mqtt.Options{
		Devices:  devices, // also the validator's directory
		OnAccess: func(e *mqtt.AccessEvent) { log.Println(e.Kind, e.ClientID, e.Reason) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer mqtt.Close(srv)
	d, _ := devices.Device("product1", "device1")
	fmt.Println(devices.Secured(), d.Online)
	// Output: true false
}
