// Package validate decides what the platform answers to a measurepoint message
// (SPEC §2–§4), streaming, and hands over the accepted points.
package validate
