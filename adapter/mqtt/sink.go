package mqtt

import (
	"time"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// Point is one accepted measurepoint value (SPEC §4.8), copied out of the
// validator's callback.
type Point struct {
	// ProductKey and DeviceKey name the entry's device. They may be kept.
	ProductKey, DeviceKey string
	// Time is the entry's time in milliseconds since the epoch, or the broker's
	// clock when the entry had none (SPEC §4.6).
	Time int64
	// Identifier is the measurepoint's identifier. It may be kept.
	Identifier string
	// DataType is the measurepoint's data type in the model.
	DataType thingmodel.DataType
	// Value is the value in the normal form of validate.Value.AppendJSON: numbers
	// as numbers, no white space. The bytes are valid only during Sink.Accept.
	Value []byte
	// Quality is the quality indicator, or -1 for a point without one.
	Quality int
}

// Batch is the accepted points of one accepted message.
type Batch struct {
	// ClientID is the MQTT client identifier of the publisher.
	ClientID string
	// Topic is the request topic the message was published on.
	Topic protocol.Topic
	// ID is the request's id as sent (raw JSON), empty when it had none. It is
	// valid only during Sink.Accept.
	ID protocol.ID
	// Points are the accepted points in document order; never empty.
	Points []Point
}

// Sink receives the points of accepted messages. The embedding program implements
// it: to store the points, forward them, or write them out.
type Sink interface {
	// Accept is called once for each message whose reply code is 200 and that
	// yielded at least one point, before the reply is published. It is called on
	// the publishing client's goroutine, concurrently for different clients, so it
	// must be safe for concurrent use. b and the slices it refers to are valid
	// only during the call; copy what you keep.
	//
	// Accept returns nil only when the points are kept: the reply 200 promises
	// it. An error makes the message not accepted: the reply has code
	// codes.ServerError (500), an MQTT 5 client publishing at QoS 1 gets a
	// PUBACK with reason code 0x80, the message is not delivered to
	// subscribers, and the error is reported in the Verdict. Accept must
	// return within a bounded time (a timeout of its own) so that a stuck
	// store does not hold the publisher's connection for ever.
	Accept(b *Batch) error
}

// SinkFunc adapts a function to the Sink interface.
type SinkFunc func(b *Batch) error

// Accept calls f(b).
func (f SinkFunc) Accept(b *Batch) error { return f(b) }

// Verdict is what became of one publication the hook handled, for logging and
// metrics.
type Verdict struct {
	// ClientID is the MQTT client identifier of the publisher.
	ClientID string
	// Topic is the topic the message was published on.
	Topic string
	// QoS is the quality of service of the publication, after the cap at 1.
	QoS byte
	// Bytes is the payload size.
	Bytes int
	// Result is the validator's verdict, or nil when the publication was refused
	// without validation (see Refused). It is valid only during the call.
	Result *validate.Result
	// Refused says why a publication was dropped without validation ("reply
	// topic", "other topic"); empty when it was validated.
	Refused string
	// Code is the code of the reply that was published: Result.Code, or
	// codes.ServerError when the Sink failed; 0 when there was no reply.
	Code codes.Code
	// Err is an error other than a verdict: the validator failed without one (the
	// message then got no reply), or the reply could not be published.
	Err error
	// SinkErr is the error the Sink returned, if any; the reply then has code
	// codes.ServerError.
	SinkErr error
	// Elapsed is the time spent on the publication: validation, sink and reply.
	Elapsed time.Duration
}
