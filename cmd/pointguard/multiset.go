package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/multiset"
	"github.com/pointguard/pointguard/validate"
)

func init() {
	commands["multiset"] = command{
		name:    "multiset",
		summary: "validate one multiSet request body as the REST API would answer it (SPEC §7.3)",
		run:     runMultiSet,
	}
}

// maxMultiSetBody bounds the request body the command reads, so that a wrong
// file (a disk image, /dev/zero) is refused instead of filling the memory. It is
// far above any real request and a variable so that tests can lower it.
var maxMultiSetBody int64 = 64 << 20

const multiSetUsage = `usage: pointguard multiset [flags] --org ORG BODY

Validates one multiSet request body (SPEC §5) as if it were sent with
PUT /dataService/devices/multiSet?orgId=ORG, and prints the response JSON,
indented. BODY is a file, or "-" for standard input.

flags:
  --org ORG     the orgId query parameter; required; --org "" sends none
  --env FILE    platform environment (default ` + pointguard.SampleEnvironment + `)
  --now MS      server time in milliseconds (default: the clock): the
                gmtServiceReply of every item, and the gmtServiceRequest of
                items without one

The environment's models, devices (with their assetIds) and orgs are the
lookups of SPEC §5: an unknown orgId is a 400, an unknown device 1000201, a
product without model 1000211, an undefined point 1000213. An environment
with neither models nor products turns the model checks off.

Exit status: 0 when the response status is 0 and every item's status is 0;
1 otherwise; 2 for a usage or I/O error.
`

func runMultiSet(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := newCmdFlags("multiset")
	flags.addNow()
	org := flags.String("org", "", "")
	usageError := func(msg string) int { return multiSetUsageError(stderr, msg) }
	if status, done := flags.parse(args, stdout, multiSetUsage, usageError); done {
		return status
	}
	if !flags.given["org"] {
		return multiSetUsageError(stderr, `--org is required (--org "" sends a request without orgId)`)
	}
	switch rest := flags.Args(); {
	case len(rest) == 0:
		return multiSetUsageError(stderr, "no BODY: give a file, or - for standard input")
	case len(rest) > 1:
		return multiSetUsageError(stderr, "one BODY only, got "+quote.Diag(rest[0], 0)+" and "+quote.Diag(rest[1], 0)+" (flags come before BODY)")
	}
	bodyPath := flags.Arg(0)
	now := flags.serverTime()

	env, err := flags.loadEnv()
	if err != nil {
		return multiSetError(stderr, err.Error())
	}
	body, err := readMultiSetBody(bodyPath, stdin)
	if err != nil {
		return multiSetError(stderr, err.Error())
	}

	v := multiset.New(validate.Options{Models: env.Models(), Directory: env.Directory()})
	q := multiset.Query{OrgID: *org, HasOrgID: *org != "", Orgs: env, Assets: env.Assets()}
	resp := v.Validate(q, body, now)

	out, err := resp.MarshalJSON()
	if err == nil {
		var b bytes.Buffer
		if err = json.Indent(&b, out, "", "  "); err == nil {
			b.WriteByte('\n')
			_, err = stdout.Write(b.Bytes())
		}
	}
	if err != nil {
		return multiSetError(stderr, "writing output: "+err.Error())
	}
	if !resp.OK() {
		return exitFail
	}
	return exitOK
}

// readMultiSetBody reads the request body from the file named path, or from stdin for
// "-", refusing more than maxMultiSetBody bytes.
func readMultiSetBody(path string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxMultiSetBody+1))
	if err != nil {
		return nil, errors.New("reading " + path + ": " + err.Error())
	}
	if int64(len(body)) > maxMultiSetBody {
		return nil, errors.New(path + " is larger than " + strconv.FormatInt(maxMultiSetBody, 10) + " bytes")
	}
	return body, nil
}

func multiSetError(stderr io.Writer, msg string) int {
	io.WriteString(stderr, "pointguard multiset: "+msg+"\n")
	return exitUsage
}

func multiSetUsageError(stderr io.Writer, msg string) int {
	io.WriteString(stderr, "pointguard multiset: "+msg+"\n\n"+multiSetUsage)
	return exitUsage
}
