package attach

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"time"
)

// Location is where a photo was taken, as its EXIF GPS block says: WGS-84
// longitude and latitude in degrees (phones record the satellite fix, not
// GCJ-02). It is shown to staff only; public views never carry it.
type Location struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// photoMeta is what this package reads from EXIF.
type photoMeta struct {
	// Orientation is the EXIF orientation, 1–8; 0 when absent.
	Orientation int
	GPS         *Location
	TakenAt     *time.Time
}

// EXIF tags read.
const (
	tagOrientation      = 0x0112
	tagExifIFD          = 0x8769
	tagGPSIFD           = 0x8825
	tagDateTimeOriginal = 0x9003
	tagOffsetTimeOrig   = 0x9011
	tagGPSLatitudeRef   = 0x0001
	tagGPSLatitude      = 0x0002
	tagGPSLongitudeRef  = 0x0003
	tagGPSLongitude     = 0x0004
	tagGPSTimeStamp     = 0x0007
	tagGPSDateStamp     = 0x001D
	maxIFDEntries       = 512
	exifDateTimeLayout  = "2006:01:02 15:04:05"
	exifDateLayout      = "2006:01:02"
	exifTypeASCII       = 2
	exifTypeShort       = 3
	exifTypeLong        = 4
	exifTypeRational    = 5
)

var errEXIF = errors.New("EXIF structure is damaged")

// tiffReader reads a TIFF structure (the body of an EXIF block) without
// ever indexing outside it.
type tiffReader struct {
	b  []byte
	bo binary.ByteOrder
}

type ifdEntry struct {
	typ   uint16
	count uint32
	value []byte // the whole value, inline or at its offset
}

// exifTypeSize is the size in bytes of one value of a TIFF field type, or
// 0 for an unknown type.
func exifTypeSize(typ uint16) uint64 {
	switch typ {
	case 1, 2, 6, 7: // BYTE, ASCII, SBYTE, UNDEFINED
		return 1
	case 3, 8: // SHORT, SSHORT
		return 2
	case 4, 9, 11: // LONG, SLONG, FLOAT
		return 4
	case 5, 10, 12: // RATIONAL, SRATIONAL, DOUBLE
		return 8
	}
	return 0
}

func newTIFFReader(b []byte) (*tiffReader, uint32, error) {
	if len(b) < 8 {
		return nil, 0, errEXIF
	}
	t := &tiffReader{b: b}
	switch string(b[0:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return nil, 0, errEXIF
	}
	if t.bo.Uint16(b[2:]) != 42 {
		return nil, 0, errEXIF
	}
	return t, t.bo.Uint32(b[4:]), nil
}

// ifd reads the entries of the IFD at off, keeping only the wanted tags.
func (t *tiffReader) ifd(off uint32, wanted ...uint16) (map[uint16]ifdEntry, error) {
	if uint64(off)+2 > uint64(len(t.b)) {
		return nil, errEXIF
	}
	n := int(t.bo.Uint16(t.b[off:]))
	if n > maxIFDEntries || uint64(off)+2+uint64(n)*12 > uint64(len(t.b)) {
		return nil, errEXIF
	}
	out := make(map[uint16]ifdEntry, len(wanted))
	for i := range n {
		e := t.b[int(off)+2+12*i:][:12]
		tag := t.bo.Uint16(e)
		want := false
		for _, w := range wanted {
			if w == tag {
				want = true
				break
			}
		}
		if !want {
			continue
		}
		typ, count := t.bo.Uint16(e[2:]), t.bo.Uint32(e[4:])
		size := exifTypeSize(typ)
		if size == 0 {
			continue
		}
		total := size * uint64(count)
		var value []byte
		if total <= 4 {
			value = e[8 : 8+total]
		} else {
			at := uint64(t.bo.Uint32(e[8:]))
			if at+total > uint64(len(t.b)) {
				continue // a broken tag is skipped, not fatal
			}
			value = t.b[at : at+total]
		}
		out[tag] = ifdEntry{typ: typ, count: count, value: value}
	}
	return out, nil
}

func (t *tiffReader) uint(e ifdEntry) (uint32, bool) {
	switch {
	case e.typ == exifTypeShort && e.count >= 1:
		return uint32(t.bo.Uint16(e.value)), true
	case e.typ == exifTypeLong && e.count >= 1:
		return t.bo.Uint32(e.value), true
	}
	return 0, false
}

func (t *tiffReader) ascii(e ifdEntry) string {
	if e.typ != exifTypeASCII {
		return ""
	}
	s := string(e.value)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// rationals returns the first n unsigned rationals of e as floats.
func (t *tiffReader) rationals(e ifdEntry, n int) ([]float64, bool) {
	if e.typ != exifTypeRational || int(e.count) < n {
		return nil, false
	}
	out := make([]float64, n)
	for i := range n {
		num, den := t.bo.Uint32(e.value[8*i:]), t.bo.Uint32(e.value[8*i+4:])
		if den == 0 {
			return nil, false
		}
		out[i] = float64(num) / float64(den)
	}
	return out, true
}

// parseEXIF reads orientation, GPS position and capture time from a TIFF
// structure. It returns what it could read: a damaged tag loses that tag,
// a damaged structure loses what is behind it. Times without a zone are
// read in zone.
func parseEXIF(b []byte, zone *time.Location) photoMeta {
	var m photoMeta
	t, off, err := newTIFFReader(b)
	if err != nil {
		return m
	}
	ifd0, err := t.ifd(off, tagOrientation, tagExifIFD, tagGPSIFD)
	if err != nil {
		return m
	}
	if v, ok := t.uint(ifd0[tagOrientation]); ok && v >= 1 && v <= 8 {
		m.Orientation = int(v)
	}

	var gpsTime *time.Time
	if e, ok := ifd0[tagGPSIFD]; ok {
		if goff, ok := t.uint(e); ok {
			if gps, err := t.ifd(goff, tagGPSLatitudeRef, tagGPSLatitude, tagGPSLongitudeRef,
				tagGPSLongitude, tagGPSTimeStamp, tagGPSDateStamp); err == nil {
				m.GPS = t.location(gps)
				gpsTime = t.gpsTime(gps)
			}
		}
	}

	var taken *time.Time
	if e, ok := ifd0[tagExifIFD]; ok {
		if eoff, ok := t.uint(e); ok {
			if ex, err := t.ifd(eoff, tagDateTimeOriginal, tagOffsetTimeOrig); err == nil {
				taken = capturedAt(t.ascii(ex[tagDateTimeOriginal]), t.ascii(ex[tagOffsetTimeOrig]), gpsTime, zone)
			}
		}
	}
	if taken == nil {
		taken = gpsTime
	}
	m.TakenAt = taken
	return m
}

func (t *tiffReader) location(gps map[uint16]ifdEntry) *Location {
	lat, ok1 := t.rationals(gps[tagGPSLatitude], 3)
	lng, ok2 := t.rationals(gps[tagGPSLongitude], 3)
	if !ok1 || !ok2 {
		return nil
	}
	l := Location{
		Lat: lat[0] + lat[1]/60 + lat[2]/3600,
		Lng: lng[0] + lng[1]/60 + lng[2]/3600,
	}
	if strings.EqualFold(t.ascii(gps[tagGPSLatitudeRef]), "S") {
		l.Lat = -l.Lat
	}
	if strings.EqualFold(t.ascii(gps[tagGPSLongitudeRef]), "W") {
		l.Lng = -l.Lng
	}
	// 0,0 is what devices write when they had no fix.
	if math.IsNaN(l.Lat) || math.IsNaN(l.Lng) || math.Abs(l.Lat) > 90 || math.Abs(l.Lng) > 180 ||
		(l.Lat == 0 && l.Lng == 0) {
		return nil
	}
	return &l
}

// gpsTime is the UTC time of the GPS fix, or nil.
func (t *tiffReader) gpsTime(gps map[uint16]ifdEntry) *time.Time {
	day, err := time.Parse(exifDateLayout, t.ascii(gps[tagGPSDateStamp]))
	if err != nil {
		return nil
	}
	hms, ok := t.rationals(gps[tagGPSTimeStamp], 3)
	if !ok || hms[0] >= 24 || hms[1] >= 60 || hms[2] >= 61 {
		return nil
	}
	secs := hms[0]*3600 + hms[1]*60 + hms[2]
	at := day.Add(time.Duration(secs * float64(time.Second))).UTC().Truncate(time.Second)
	return &at
}

// capturedAt prefers the camera's own clock with its zone offset, then the
// GPS clock (UTC, exact), then the camera's clock read in zone.
func capturedAt(dto, offset string, gps *time.Time, zone *time.Location) *time.Time {
	if dto == "" || strings.HasPrefix(dto, "0000") {
		return nil
	}
	if offset != "" {
		if at, err := time.Parse(exifDateTimeLayout+"-07:00", dto+offset); err == nil {
			at = at.UTC()
			return &at
		}
	}
	if gps != nil {
		return nil
	}
	at, err := time.ParseInLocation(exifDateTimeLayout, dto, zone)
	if err != nil {
		return nil
	}
	at = at.UTC()
	return &at
}
