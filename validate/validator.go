package validate

import (
	"errors"
	"io"
)

// Validator validates messages. It owns scratch buffers that it reuses from one
// message to the next, so a Validator must not be used by two goroutines at once;
// use one per goroutine. The Options, models and directory it refers to may be
// shared.
type Validator struct {
	opts Options
}

// New returns a Validator with the given options.
func New(opts Options) *Validator { return &Validator{opts: opts} }

// Options returns the options the Validator was made with.
func (v *Validator) Options() Options { return v.opts }

// Validate validates one message held in memory. See ValidateReader.
func (v *Validator) Validate(msg Message, payload []byte, yield func(*Point) error) (Result, error) {
	return Result{}, errors.New("validate: not implemented")
}

// ValidateReader validates one message whose payload is read from r, without
// holding the whole payload in memory.
//
// The accepted points are passed to yield in document order as soon as each entry
// is complete; they are final only if the verdict is codes.OK, so a caller that
// acts on them must be able to discard them. yield may be nil.
//
// The returned error is nil when the request is accepted; a *Error (also in
// Result.Err) when it is rejected; or, unchanged, an error returned by r (other
// than io.EOF) or by yield, in which case the Result is incomplete.
func (v *Validator) ValidateReader(msg Message, r io.Reader, yield func(*Point) error) (Result, error) {
	return Result{}, errors.New("validate: not implemented")
}
