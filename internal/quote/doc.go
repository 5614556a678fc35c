// Package quote is the one JSON string escaper and the one quoting helper for
// diagnostics of the module. [JSON] writes a JSON string that is valid
// whatever the bytes (invalid UTF-8 becomes \ufffd); [Diag] quotes user input
// for an error message, shortened at a character boundary.
package quote
