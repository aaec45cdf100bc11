package attach

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// gradient is a w×h image with smooth colours, so that JPEG keeps it small
// and a scaled copy looks like the original.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(255 * x / max(1, w-1)), uint8(255 * y / max(1, h-1)), 128, 255})
		}
	}
	return img
}

// quadrants is a w×h image whose top-left quarter is red, top-right
// green, bottom-left blue and bottom-right white.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{255, 0, 0, 255}
			switch {
			case x >= w/2 && y < h/2:
				c = color.RGBA{0, 255, 0, 255}
			case x < w/2 && y >= h/2:
				c = color.RGBA{0, 0, 255, 255}
			case x >= w/2 && y >= h/2:
				c = color.RGBA{255, 255, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinyPDF is a minimal well-formed PDF.
const tinyPDF = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n" +
	"trailer << /Root 1 0 R >>\n%%EOF\n"

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffEntry is one tag of a TIFF structure built by buildTIFF.
type tiffEntry struct {
	tag  uint16
	typ  uint16
	vals []uint32 // SHORT, LONG, or RATIONAL as numerator, denominator pairs
	str  string   // ASCII
}

func asciiTag(tag uint16, s string) tiffEntry { return tiffEntry{tag: tag, typ: exifTypeASCII, str: s} }
func shortTag(tag uint16, v uint32) tiffEntry {
	return tiffEntry{tag: tag, typ: exifTypeShort, vals: []uint32{v}}
}
func rationalTag(tag uint16, v ...uint32) tiffEntry {
	return tiffEntry{tag: tag, typ: exifTypeRational, vals: v}
}

// buildTIFF lays out IFD0, the EXIF IFD and the GPS IFD (the pointers to
// the last two are added when they have entries) and their values.
func buildTIFF(bo byteOrder, ifd0, exif, gps []tiffEntry) []byte {
	size := func(n int) uint32 { return uint32(2 + 12*n + 4) }
	n0 := len(ifd0)
	if len(exif) > 0 {
		n0++
	}
	if len(gps) > 0 {
		n0++
	}
	off0 := uint32(8)
	offExif := off0 + size(n0)
	offGPS := offExif + size(len(exif))
	if len(exif) == 0 {
		offGPS = offExif
	}
	dataOff := offGPS + size(len(gps))
	if len(gps) == 0 {
		dataOff = offGPS
	}
	if len(exif) > 0 {
		ifd0 = append(ifd0, tiffEntry{tag: tagExifIFD, typ: exifTypeLong, vals: []uint32{offExif}})
	}
	if len(gps) > 0 {
		ifd0 = append(ifd0, tiffEntry{tag: tagGPSIFD, typ: exifTypeLong, vals: []uint32{offGPS}})
	}
	out := make([]byte, dataOff)
	if bo == binary.LittleEndian {
		copy(out, "II")
	} else {
		copy(out, "MM")
	}
	bo.PutUint16(out[2:], 42)
	bo.PutUint32(out[4:], off0)
	var data []byte
	writeIFD := func(off uint32, entries []tiffEntry) {
		bo.PutUint16(out[off:], uint16(len(entries)))
		for i, e := range entries {
			p := out[off+2+12*uint32(i):]
			var v []byte
			count := uint32(len(e.vals))
			switch e.typ {
			case exifTypeASCII:
				v = append([]byte(e.str), 0)
				count = uint32(len(v))
			case exifTypeShort:
				for _, x := range e.vals {
					v = bo.AppendUint16(v, uint16(x))
				}
			case exifTypeLong:
				for _, x := range e.vals {
					v = bo.AppendUint32(v, x)
				}
			case exifTypeRational:
				count /= 2
				for _, x := range e.vals {
					v = bo.AppendUint32(v, x)
				}
			}
			bo.PutUint16(p, e.tag)
			bo.PutUint16(p[2:], e.typ)
			bo.PutUint32(p[4:], count)
			if len(v) <= 4 {
				copy(p[8:12], v)
				continue
			}
			bo.PutUint32(p[8:], dataOff+uint32(len(data)))
			data = append(data, v...)
			if len(data)%2 == 1 {
				data = append(data, 0)
			}
		}
	}
	writeIFD(off0, ifd0)
	if len(exif) > 0 {
		writeIFD(offExif, exif)
	}
	if len(gps) > 0 {
		writeIFD(offGPS, gps)
	}
	return append(out, data...)
}

// beijingTIFF is EXIF as a phone writes it: rotated (6), taken at Tiananmen
// (39°54'15.12"N 116°24'26.64"E) on 2024-05-01 at 10:30:00 +08:00.
func beijingTIFF(bo byteOrder) []byte {
	return buildTIFF(bo,
		[]tiffEntry{shortTag(tagOrientation, 6), asciiTag(0x010F, "Gridphone")},
		[]tiffEntry{asciiTag(tagDateTimeOriginal, "2024:05:01 10:30:00"), asciiTag(tagOffsetTimeOrig, "+08:00")},
		[]tiffEntry{
			asciiTag(tagGPSLatitudeRef, "N"), rationalTag(tagGPSLatitude, 39, 1, 54, 1, 1512, 100),
			asciiTag(tagGPSLongitudeRef, "E"), rationalTag(tagGPSLongitude, 116, 1, 24, 1, 2664, 100),
			asciiTag(tagGPSDateStamp, "2024:05:01"), rationalTag(tagGPSTimeStamp, 2, 1, 30, 1, 0, 1),
		})
}

func jpegSeg(marker byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, payload...)
}

// withMetadata inserts, after SOI, an EXIF segment holding tiff, an XMP
// packet with a location, an IPTC segment and a comment, and appends a ZIP
// after EOI, the way phones and polyglot attacks do.
func withMetadata(jpg, tiff []byte) []byte {
	var b []byte
	b = append(b, jpg[:2]...)
	b = append(b, jpegSeg(mAPP1, append(append([]byte{}, exifHeader...), tiff...))...)
	b = append(b, jpegSeg(mAPP1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>39,54.252N</exif:GPSLatitude></x:xmpmeta>"))...)
	b = append(b, jpegSeg(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04 Sublocation: Home"))...)
	b = append(b, jpegSeg(mCOM, []byte("taken at home"))...)
	b = append(b, jpg[2:]...)
	return append(b, "PK\x03\x04secret.txt"...)
}

func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngWithMetadata inserts eXIf and tEXt chunks after IHDR.
func pngWithMetadata(p, tiff []byte) []byte {
	ihdrEnd := len(pngSignature) + 12 + 13
	var b []byte
	b = append(b, p[:ihdrEnd]...)
	b = append(b, pngChunk("eXIf", tiff)...)
	b = append(b, pngChunk("tEXt", []byte("Comment\x00taken at home"))...)
	b = append(b, p[ihdrEnd:]...)
	return b
}

// webpExtended turns a simple WebP into the extended format with EXIF and
// XMP chunks, as cameras write it.
func webpExtended(t testing.TB, simple, tiff []byte) []byte {
	t.Helper()
	cfg, err := imageConfig(simple, formatWebP)
	if err != nil {
		t.Fatal(err)
	}
	vp8x := make([]byte, 10)
	vp8x[0] = vp8xEXIF | vp8xXMP
	w, h := cfg.Width-1, cfg.Height-1
	vp8x[4], vp8x[5], vp8x[6] = byte(w), byte(w>>8), byte(w>>16)
	vp8x[7], vp8x[8], vp8x[9] = byte(h), byte(h>>8), byte(h>>16)
	chunk := func(fourCC string, data []byte) []byte {
		b := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
		b = append(b, data...)
		if len(data)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	body := []byte("WEBP")
	body = append(body, chunk("VP8X", vp8x)...)
	body = append(body, simple[12:]...) // the image chunk as it was
	body = append(body, chunk("EXIF", tiff)...)
	body = append(body, chunk("XMP ", []byte("<x:xmpmeta>GPS</x:xmpmeta>"))...)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

// wantInvalid fails unless err is an apperr.Invalid naming the field
// "file" with a reason containing want.
func wantInvalid(t *testing.T, err error, want string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
		t.Fatalf("err = %v, want an invalid \"file\" error containing %q", err, want)
	}
	if !strings.Contains(e.Fields[0].Reason, want) {
		t.Fatalf("reason = %q, want it to contain %q", e.Fields[0].Reason, want)
	}
}

func newTestService(t testing.TB) (*Service, *DiskStore) {
	t.Helper()
	store, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return NewService(store, Options{}), store
}

func readBlob(t testing.TB, s Store, key string) []byte {
	t.Helper()
	rc, _, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// memStore keeps blobs in memory, for benchmarks that should not measure
// the disk.
type memStore struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

func (m *memStore) Put(ctx context.Context, r io.Reader) (Blob, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Blob{}, err
	}
	key := sha(b)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blobs == nil {
		m.blobs = map[string][]byte{}
	}
	_, had := m.blobs[key]
	m.blobs[key] = b
	return Blob{Key: key, Size: int64(len(b)), Created: !had}, nil
}

func (m *memStore) Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, Info{}, apperr.New(apperr.NotFound, "attachment not found")
	}
	return nopCloser{bytes.NewReader(b)}, Info{Key: key, Size: int64(len(b)), ModTime: time.Now()}, nil
}

func (m *memStore) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, key)
	return nil
}

func (m *memStore) Exists(ctx context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.blobs[key]
	return ok, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
