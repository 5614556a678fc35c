// Package fuzz holds generators of thing models, device directories and
// measurepoint requests, and the property tests and fuzz targets that check the
// validator against SPEC with them.
package fuzz
