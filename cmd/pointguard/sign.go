package main

import (
	"io"
	"strconv"
	"strings"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/internal/quote"
)

func init() {
	commands["sign"] = command{
		name:    "sign",
		summary: "print the MQTT username, client id and password with which a device connects to serve",
		run:     runSign,
	}
}

const signUsage = `usage: pointguard sign [flags] PRODUCTKEY/DEVICEKEY

Prints the CONNECT credentials with which the device authenticates to
pointguard serve (and to the platform) in secure mode 2, signed with the
device's "secret" from the environment, as the vendor's device SDKs build them:

  username  DEVICEKEY&PRODUCTKEY
  clientid  DEVICEKEY[{EXTRA}]|securemode=2,signmethod=METHOD,timestamp=MS|
  password  the digest of clientId, deviceKey, productKey and timestamp, then the secret

With --login, prints instead the combine.login request with which gateway
GATEWAY logs the device in, and the topic to publish it on.

flags:
  --env FILE         platform environment (default: the bundled sample)
  --method NAME      sha256, sha1 or md5 (default sha256)
  --timestamp MS     the timestamp to sign (default: the clock)
  --extra TEXT       the client id's extra block without braces, for example
                     compress=GZIP
  --login GATEWAY    "productKey/deviceKey" of the gateway: print a sub-device
                     login request

Exit status: 0, or 2 for a usage error, an environment that does not load, or a
device that is unknown or has no secret.
`

func runSign(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	flags := newCmdFlags("sign")
	method := flags.String("method", "sha256", "")
	timestamp := flags.String("timestamp", "", "")
	extra := flags.String("extra", "", "")
	login := flags.String("login", "", "")
	usageError := func(msg string) int {
		io.WriteString(stderr, "pointguard sign: "+msg+"\n\n"+signUsage)
		return exitUsage
	}
	if status, done := flags.parse(args, stdout, signUsage, usageError); done {
		return status
	}
	if flags.NArg() != 1 {
		return usageError("want one PRODUCTKEY/DEVICEKEY")
	}
	pk, dk, ok := strings.Cut(flags.Arg(0), "/")
	if !ok || pk == "" || dk == "" {
		return usageError(quote.Diag(flags.Arg(0), 0) + " is not PRODUCTKEY/DEVICEKEY")
	}
	m, ok := mqtt.ParseSignMethod(*method)
	if !ok {
		return usageError("--method must be sha256, sha1 or md5, not " + quote.Diag(*method, 0))
	}
	ts := *timestamp
	if ts == "" {
		ts = strconv.FormatInt(clock().UnixMilli(), 10)
	} else if _, err := strconv.ParseUint(ts, 10, 63); err != nil {
		return usageError("--timestamp must be milliseconds, not " + quote.Diag(ts, 0))
	}
	if strings.ContainsAny(*extra, "{}|") {
		return usageError("--extra holds key=value pairs without braces or '|'")
	}
	env, err := flags.loadEnv()
	if err != nil {
		io.WriteString(stderr, "pointguard sign: "+err.Error()+"\n")
		return exitUsage
	}
	secret, ok := env.Secret(pk, dk)
	if !ok {
		io.WriteString(stderr, "pointguard sign: device "+quote.Diag(pk+"/"+dk, 0)+" has no secret in the environment\n")
		return exitUsage
	}
	if *login != "" {
		gpk, gdk, ok := strings.Cut(*login, "/")
		if !ok || gpk == "" || gdk == "" {
			return usageError("--login " + quote.Diag(*login, 0) + " is not PRODUCTKEY/DEVICEKEY")
		}
		clientID := pk + "." + dk + "." + ts
		sign := mqtt.Sign(m, secret, mqtt.SignParams{ClientID: clientID, DeviceKey: dk, ProductKey: pk, Timestamp: ts})
		var b []byte
		b = append(b, "topic    /ext/session/"+gpk+"/"+gdk+"/combine/login\npayload  "...)
		b = append(b, `{"id":"1","version":"1.1","method":"combine.login","params":{"productKey":`...)
		b = quote.JSON(b, pk)
		b = append(b, `,"deviceKey":`...)
		b = quote.JSON(b, dk)
		b = append(b, `,"clientId":`...)
		b = quote.JSON(b, clientID)
		b = append(b, `,"timestamp":`...)
		b = quote.JSON(b, ts)
		b = append(b, `,"signMethod":"`+m.String()+`","sign":"`+sign+`","secureMode":"2"}}`+"\n"...)
		stdout.Write(b)
		return exitOK
	}
	user, id, pass := mqtt.Credentials(m, pk, dk, secret, ts, *extra)
	io.WriteString(stdout, "username  "+user+"\nclientid  "+id+"\npassword  "+pass+"\n")
	return exitOK
}
