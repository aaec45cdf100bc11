package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

const (
	// sniffSize is how much of a CSV file decides its encoding under Auto:
	// enough for thousands of rows, so a GBK file almost always shows a
	// non-UTF-8 byte in it, yet a fixed, small buffer.
	sniffSize = 64 << 10
	// maxRowBytes bounds one CSV record. Without it a single unclosed quote
	// makes encoding/csv gather the whole rest of the file into one cell.
	maxRowBytes = 1 << 20
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

const (
	msgNoHeader = "the file has no header row"
	msgNotUTF8  = "the file is not UTF-8 (it looks like GBK); choose GBK or save as UTF-8"
	msgRowLong  = "the row is longer than 1 MiB; a quote (\") in it is probably not closed, or this is not a CSV file"
)

// csvReader streams a CSV file through encoding/csv.
type csvReader struct {
	cr        *csv.Reader
	lim       *limitReader
	checkUTF8 bool
	header    []string
	// embedded counts the line breaks inside quoted cells read so far:
	// encoding/csv numbers physical lines, and a spreadsheet shows a quoted
	// multi-line cell in one row, so row = line - embedded.
	embedded int
	last     int   // number of the last row returned
	started  bool  // a record was read
	err      error // sticky: after it the stream cannot be trusted
}

func openCSV(r io.ReaderAt, size int64, opts Options) (Reader, error) {
	enc, err := parseEncoding(opts.Encoding)
	if err != nil {
		return nil, err
	}
	sniff := make([]byte, min(size, sniffSize))
	n, err := r.ReadAt(sniff, 0)
	if n < len(sniff) {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	switch {
	case len(sniff) == 0:
		return nil, &FileError{Reason: msgNoHeader}
	case bytes.HasPrefix(sniff, []byte{0xFF, 0xFE}) || bytes.HasPrefix(sniff, []byte{0xFE, 0xFF}):
		return nil, &FileError{Reason: `the file is UTF-16 ("Unicode text"); save it as "CSV UTF-8" or as .xlsx`}
	case bytes.IndexByte(sniff, 0) >= 0:
		return nil, &FileError{Reason: "the file contains binary data, so it is not a CSV text file; save it as CSV or .xlsx"}
	}
	start := int64(0)
	if bytes.HasPrefix(sniff, utf8BOM) {
		// A BOM settles the question whatever was chosen: GB18030 would
		// decode these three bytes as mojibake.
		start, enc = int64(len(utf8BOM)), UTF8
	}
	if enc == Auto {
		enc = GBK
		if validUTF8Prefix(sniff[start:], int64(len(sniff)) < size) {
			enc = UTF8
		}
	}
	var src io.Reader = io.NewSectionReader(r, start, size-start)
	if enc == GBK {
		src = transform.NewReader(src, simplifiedchinese.GB18030.NewDecoder())
	}
	lim := &limitReader{r: src}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	c := &csvReader{cr: cr, lim: lim, checkUTF8: enc == UTF8}
	h, err := c.Next()
	if err == io.EOF {
		return nil, &FileError{Reason: msgNoHeader}
	}
	if err != nil {
		return nil, err
	}
	c.header = h.Cells
	return c, nil
}

// parseEncoding accepts the documented names and the common spellings a
// form or a query string may carry.
func parseEncoding(e Encoding) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(string(e))) {
	case "", "auto":
		return Auto, nil
	case "utf-8", "utf8":
		return UTF8, nil
	case "gbk", "gb18030", "gb2312":
		return GBK, nil
	}
	return "", fmt.Errorf("tabular: unknown encoding %q (want utf-8, gbk or auto)", e)
}

// validUTF8Prefix reports whether b is valid UTF-8, forgiving an incomplete
// character at the end when b was cut from a longer file.
func validUTF8Prefix(b []byte, cut bool) bool {
	if cut {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Next() (Row, error) {
	for c.err == nil {
		rec, err := c.cr.Read()
		if c.lim.tripped {
			c.err = &FileError{Row: c.startRow(rec, err), Reason: msgRowLong}
			break
		}
		if err == io.EOF {
			c.err = io.EOF
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// The reader resumes on the line after the bad record, so the
			// next rows are still read and reported.
			row := pe.StartLine - c.embedded
			c.embedded += pe.Line - pe.StartLine
			c.last = row
			c.lim.n = 0
			return Row{}, &FileError{Row: row, Reason: describeParseError(pe), Err: err}
		}
		if err != nil {
			c.err = fmt.Errorf("reading the CSV file after row %d: %w", c.last, err)
			break
		}
		row := c.startRow(rec, nil)
		for _, cell := range rec {
			c.embedded += strings.Count(cell, "\n")
		}
		c.last = row
		c.lim.n = 0
		if c.checkUTF8 {
			for _, cell := range rec {
				if !utf8.ValidString(cell) {
					c.err = &FileError{Row: row, Reason: msgNotUTF8}
					return Row{}, c.err
				}
			}
		}
		if !c.started && len(rec) > 0 {
			// GB18030 has a byte-order mark of its own, which decodes
			// to U+FEFF.
			rec[0] = strings.TrimPrefix(rec[0], "\uFEFF")
		}
		c.started = true
		if cells := trimCells(rec); cells != nil {
			return Row{Number: row, Cells: cells}, nil
		}
	}
	return Row{}, c.err
}

// startRow is the row number of the record just read (or just refused).
func (c *csvReader) startRow(rec []string, err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine - c.embedded
	}
	if err == nil && len(rec) > 0 {
		line, _ := c.cr.FieldPos(0)
		return line - c.embedded
	}
	return c.last + 1
}

// describeParseError puts encoding/csv's complaints in a clerk's words.
func describeParseError(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return `a quote (") appears inside a cell that does not start with one; put the whole cell in quotes and double the quote ("")`
	case errors.Is(pe.Err, csv.ErrQuote):
		return `a quoted cell is not closed properly: a quote (") is missing, or one inside the cell is not doubled ("")`
	}
	return "the line is not valid CSV: " + pe.Err.Error()
}

func (c *csvReader) Close() error {
	if c.err == nil {
		c.err = errReaderClosed
	}
	return nil
}

// limitReader ends the stream (with a plain io.EOF, so that encoding/csv
// still reports where the runaway record started) once more than
// maxRowBytes were read since n was last reset, which the reader does after
// every record. encoding/csv reads ahead a few KiB, so the bound is
// approximate, which is all it needs to be.
type limitReader struct {
	r       io.Reader
	n       int
	tripped bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= maxRowBytes {
		l.tripped = true
		return 0, io.EOF
	}
	p = p[:min(len(p), maxRowBytes-l.n)]
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}
