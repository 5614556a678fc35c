package validate

import (
	"bytes"
	"io"
	"iter"

	"github.com/pointguard/pointguard/codes"
)

// Batch holds the accepted points of one message, copied out of the
// Validator, so that they outlive the call. It is filled by [Validator.Collect]
// and [Validator.CollectReader], which hand the points over only when the
// verdict is 200 (SPEC §4.8): after any other verdict the batch is empty, so a
// caller cannot act on the points of a rejected message by mistake.
//
// The zero value is an empty batch, ready to use. A Batch may be reused for
// the next message to reuse its memory; its points then change. It is not
// safe for concurrent use.
type Batch struct {
	points []Point
}

// Len returns the number of points in the batch: the accepted points of the
// last message collected into it, or 0 if that message was not accepted.
func (b *Batch) Len() int { return len(b.points) }

// Points returns an iterator over the points, in document order. The points
// and their values belong to the batch and stay valid until it is filled
// again; the iterator yields nothing for a rejected message.
func (b *Batch) Points() iter.Seq[*Point] {
	return func(yield func(*Point) bool) {
		for i := range b.points {
			if !yield(&b.points[i]) {
				return
			}
		}
	}
}

// Reset empties the batch and keeps its memory.
func (b *Batch) Reset() {
	clear(b.points)
	b.points = b.points[:0]
}

// Collect validates payload as [Validator.Validate] does and fills b with the
// accepted points only when the verdict is 200; otherwise b is left empty. The
// Result and error are those of Validate.
//
// Collect holds every accepted point of the message at once, so its memory
// grows with the message (bounded by Limits.MaxBytes); to hand points on one by
// one without holding them, use Validate's callback and discard what it gave
// when the verdict is not 200.
func (v *Validator) Collect(msg Message, payload []byte, b *Batch) (Result, error) {
	b.Reset()
	res, err := v.Validate(msg, payload, b.add)
	b.commit(res.Code)
	return res, err
}

// CollectReader is [Validator.Collect] for a payload read from r, as
// [Validator.ValidateReader] reads it. An error from r passes through, and b
// is then empty.
func (v *Validator) CollectReader(msg Message, r io.Reader, b *Batch) (Result, error) {
	b.Reset()
	res, err := v.ValidateReader(msg, r, b.add)
	b.commit(res.Code)
	return res, err
}

// commit keeps the points collected when the verdict is 200 and drops them
// otherwise.
func (b *Batch) commit(code codes.Code) {
	if code != codes.OK {
		b.Reset()
	}
}

// add copies p into the batch. The keys are strings, which the Validator never
// rewrites, so they are kept as they are; the value is copied deeply, since it
// refers to the Validator's scratch.
func (b *Batch) add(p *Point) error {
	q := *p
	q.Value = p.Value.clone()
	b.points = append(b.points, q)
	return nil
}

// clone returns a copy of v that shares no memory with it.
func (v Value) clone() Value {
	c := v
	c.text = bytes.Clone(v.text)
	if v.elems != nil {
		c.elems = make([]Value, len(v.elems))
		for i, e := range v.elems {
			c.elems[i] = e.clone()
		}
	}
	if v.names != nil {
		c.names = append([]string(nil), v.names...)
	}
	return c
}
