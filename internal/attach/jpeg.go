package attach

import (
	"bytes"
	"errors"
	"fmt"
)

// JPEG markers this file names.
const (
	mSOI   = 0xD8
	mEOI   = 0xD9
	mSOS   = 0xDA
	mAPP0  = 0xE0
	mAPP1  = 0xE1
	mAPP2  = 0xE2
	mAPP14 = 0xEE
	mAPP15 = 0xEF
	mCOM   = 0xFE
)

var (
	errNotJPEG       = errors.New("not a JPEG")
	errJPEGTruncated = errors.New("JPEG is truncated")

	exifHeader = []byte("Exif\x00\x00")
	iccHeader  = []byte("ICC_PROFILE\x00")
	adobeAPP14 = []byte("Adobe")
)

// jpegSegment is one marker segment of a JPEG file.
type jpegSegment struct {
	marker byte
	// raw is the whole segment as it is in the file: the marker (with any
	// fill bytes before it), the length, the payload and, after SOS, the
	// entropy-coded data that follows it.
	raw []byte
	// payload is the segment's content after the length field (for SOS:
	// only the scan header).
	payload []byte
}

// walkJPEG calls fn for every segment of the JPEG in b, from SOI to EOI,
// and returns the length of the JPEG proper: bytes after EOI (appended
// archives, vendors' depth maps, plain junk) are not part of it. It never
// reads outside b, whatever b holds.
func walkJPEG(b []byte, fn func(jpegSegment) error) (int, error) {
	if len(b) < 2 || b[0] != 0xFF || b[1] != mSOI {
		return 0, errNotJPEG
	}
	if err := fn(jpegSegment{marker: mSOI, raw: b[:2]}); err != nil {
		return 0, err
	}
	i := 2
	for {
		if i >= len(b) {
			return 0, errJPEGTruncated
		}
		if b[i] != 0xFF {
			return 0, fmt.Errorf("JPEG: no marker at offset %d", i)
		}
		start := i
		for i < len(b) && b[i] == 0xFF {
			i++ // fill bytes
		}
		if i >= len(b) {
			return 0, errJPEGTruncated
		}
		m := b[i]
		i++
		switch {
		case m == 0x00 || m == mSOI:
			return 0, fmt.Errorf("JPEG: unexpected marker %#02x at offset %d", m, start)
		case m == mEOI:
			return i, fn(jpegSegment{marker: m, raw: b[start:i]})
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			// TEM and RSTn stand alone, without a length.
			if err := fn(jpegSegment{marker: m, raw: b[start:i]}); err != nil {
				return 0, err
			}
			continue
		}
		if i+2 > len(b) {
			return 0, errJPEGTruncated
		}
		n := int(b[i])<<8 | int(b[i+1])
		if n < 2 {
			return 0, fmt.Errorf("JPEG: segment %#02x at offset %d has length %d", m, start, n)
		}
		if i+n > len(b) {
			return 0, errJPEGTruncated
		}
		payload := b[i+2 : i+n]
		i += n
		if m == mSOS {
			end, err := scanEnd(b, i)
			if err != nil {
				return 0, err
			}
			i = end
		}
		if err := fn(jpegSegment{marker: m, raw: b[start:i], payload: payload}); err != nil {
			return 0, err
		}
	}
}

// scanEnd finds where the entropy-coded data starting at i ends: at the
// first 0xFF that is neither a stuffed 0xFF00 nor a restart marker.
func scanEnd(b []byte, i int) (int, error) {
	for {
		k := bytes.IndexByte(b[i:], 0xFF)
		if k < 0 {
			return 0, errJPEGTruncated
		}
		i += k
		if i+1 >= len(b) {
			return 0, errJPEGTruncated
		}
		switch next := b[i+1]; {
		case next == 0x00 || (next >= 0xD0 && next <= 0xD7):
			i += 2
		default:
			return i, nil
		}
	}
}

// jpegEXIF returns the TIFF structure of the JPEG's first EXIF segment, or
// nil when it has none.
func jpegEXIF(b []byte) []byte {
	var tiff []byte
	_, _ = walkJPEG(b, func(s jpegSegment) error {
		if s.marker == mAPP1 && bytes.HasPrefix(s.payload, exifHeader) {
			tiff = s.payload[len(exifHeader):]
			return errStop
		}
		if s.marker == mSOS {
			return errStop // metadata comes before the image data
		}
		return nil
	})
	return tiff
}

var errStop = errors.New("stop")

// keepJPEGSegment says whether a segment survives stripping. It is an
// allow-list: everything that decoding needs (tables, frame and scan
// headers, image data) plus the three application segments that change how
// the pixels look: JFIF (APP0), the ICC colour profile (APP2) and Adobe's
// colour transform (APP14). EXIF and XMP (APP1, with GPS, camera serials,
// an embedded preview), IPTC (APP13), multi-picture and vendor segments and
// comments all go.
func keepJPEGSegment(s jpegSegment) bool {
	switch {
	case s.marker == mAPP0:
		return true
	case s.marker == mAPP2:
		return bytes.HasPrefix(s.payload, iccHeader)
	case s.marker == mAPP14:
		return bytes.HasPrefix(s.payload, adobeAPP14)
	case s.marker >= mAPP0 && s.marker <= mAPP15, s.marker == mCOM:
		return false
	}
	return true
}

// stripJPEG returns the JPEG in b without its metadata segments and without
// anything after EOI, copying the compressed image data unchanged (no
// re-encoding, so no loss). When orientation is one of the rotated or
// mirrored EXIF orientations (2–8) a minimal EXIF segment holding only that
// tag takes the place of the first one dropped; without it viewers would
// show portrait photos on their side. changed is false, and out is b, when
// there was nothing to remove.
func stripJPEG(b []byte, orientation int) (out []byte, changed bool, err error) {
	out = make([]byte, 0, len(b))
	oriented := orientation < 2 || orientation > 8
	n, err := walkJPEG(b, func(s jpegSegment) error {
		if keepJPEGSegment(s) {
			out = append(out, s.raw...)
			return nil
		}
		changed = true
		if !oriented && s.marker == mAPP1 && bytes.HasPrefix(s.payload, exifHeader) {
			out = append(out, orientationSegment(orientation)...)
			oriented = true
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if n < len(b) {
		changed = true
	}
	if !changed {
		return b, false, nil
	}
	return out, true, nil
}

// orientationSegment is an APP1 EXIF segment whose only tag is Orientation.
func orientationSegment(orientation int) []byte {
	tiff := []byte{
		'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(orientation), 0, 0, // Orientation SHORT 1
		0, 0, 0, 0, // no next IFD
	}
	n := 2 + len(exifHeader) + len(tiff)
	seg := []byte{0xFF, mAPP1, byte(n >> 8), byte(n)}
	seg = append(seg, exifHeader...)
	return append(seg, tiff...)
}
