// Package attach accepts the photos and files that residents, grid workers
// and departments put on events, and keeps them content-addressed in a Store.
//
// Uploads come from the internet and from phones, so nothing about a file is
// taken on trust: its type is read from its content (a "photo.jpg" that is a
// program, a script or an SVG is refused), its size is bounded while it is
// read, an image's pixel count is checked from its header before it is
// decoded (decompression bombs), and it must decode completely. Photos
// carry where they were taken: staff need that location, the public must
// not see a resident's home on a map, so every photo gets a public variant
// with the metadata removed (losslessly, by dropping segments) beside the
// original, plus a small thumbnail for lists.
package attach

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Defaults for Limits and Options.
const (
	DefaultMaxImageBytes    = 10 << 20
	DefaultMaxDocumentBytes = 20 << 20
	DefaultMaxPixels        = 50_000_000
	DefaultThumbSide        = 320
	DefaultThumbQuality     = 80
	// MaxNameLen bounds a stored file name, in bytes of UTF-8.
	MaxNameLen = 120
)

// Limits bound what Accept takes. Zero fields take the defaults.
type Limits struct {
	// MaxImageBytes bounds photos (default 10 MiB).
	MaxImageBytes int64
	// MaxDocumentBytes bounds documents (default 20 MiB).
	MaxDocumentBytes int64
	// MaxPixels bounds an image's width × height (default 50 million);
	// decoding takes about 3–4 bytes of memory per pixel.
	MaxPixels int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxImageBytes <= 0 {
		l.MaxImageBytes = DefaultMaxImageBytes
	}
	if l.MaxDocumentBytes <= 0 {
		l.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	return l
}

// Options configure a Service. Zero fields take the defaults.
type Options struct {
	// ThumbSide is the longest side of a thumbnail in pixels (320).
	ThumbSide int
	// ThumbQuality is the JPEG quality of thumbnails, 1–100 (80).
	ThumbQuality int
	// Zone reads EXIF capture times that carry no offset of their own
	// (most cameras before 2016). Default: China Standard Time, UTC+8.
	Zone *time.Location
	// MaxDecodes bounds how many images are decoded at once; a decode of a
	// large photo holds tens of megabytes (default GOMAXPROCS).
	MaxDecodes int
}

// Attachment describes an accepted file. Key, PublicKey and ThumbKey name
// blobs in the Store.
type Attachment struct {
	// Key is the original as uploaded. Staff only: a photo's original
	// still carries its location.
	Key string `json:"key"`
	// PublicKey is the variant without metadata, for everyone else; it
	// equals Key when there was nothing to remove (PDFs, clean images).
	PublicKey string `json:"public_key"`
	// ThumbKey is a JPEG at most ThumbSide pixels on its longer side,
	// upright, without metadata; empty for documents.
	ThumbKey string `json:"thumb_key,omitempty"`
	// SHA256 is the hex SHA-256 of the original.
	SHA256 string `json:"sha256"`
	// Size is the original's size in bytes; PublicSize the public variant's.
	Size        int64  `json:"size"`
	PublicSize  int64  `json:"public_size"`
	ContentType string `json:"content_type"`
	// Width and Height are an image's size as it is meant to be viewed
	// (after its EXIF orientation); zero for documents.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Name is the sanitised file name: no directories, no control or
	// direction-changing characters, at most MaxNameLen bytes, and the
	// extension of its real type.
	Name string `json:"name"`
	// TakenAt is when the photo was taken, from EXIF, in UTC.
	TakenAt *time.Time `json:"taken_at,omitempty"`
	// GPS is where the photo was taken, from EXIF. Staff only.
	GPS *Location `json:"gps,omitempty"`
}

// Public returns the attachment as anyone may see it: the public variant in
// place of the original, and no location.
func (a Attachment) Public() Attachment {
	a.Key = a.PublicKey
	a.Size = a.PublicSize
	a.SHA256 = ""
	a.GPS = nil
	return a
}

// Service accepts uploads into a Store.
type Service struct {
	store   Store
	opts    Options
	decodes chan struct{}
}

// NewService returns a Service storing into store.
func NewService(store Store, opts Options) *Service {
	if opts.ThumbSide <= 0 {
		opts.ThumbSide = DefaultThumbSide
	}
	if opts.ThumbQuality <= 0 || opts.ThumbQuality > 100 {
		opts.ThumbQuality = DefaultThumbQuality
	}
	if opts.Zone == nil {
		opts.Zone = time.FixedZone("CST", 8*60*60)
	}
	if opts.MaxDecodes <= 0 {
		opts.MaxDecodes = runtime.GOMAXPROCS(0)
	}
	return &Service{store: store, opts: opts, decodes: make(chan struct{}, opts.MaxDecodes)}
}

// Store returns the store the service writes to.
func (s *Service) Store() Store { return s.store }

// Accept checks an upload and stores it with its variants. name is the
// client's file name and declaredType the type the client claimed (empty
// when it claimed none); neither decides anything but both are checked
// against the content. At most the limit + 1 bytes are read from r. Bad
// input is refused with an apperr.Invalid error on the field "file".
//
// The original, the public variant and the thumbnail are stored one after
// the other; if a later one fails, the earlier blobs stay behind unused
// until the store's sweep removes unreferenced blobs.
func (s *Service) Accept(ctx context.Context, name, declaredType string, r io.Reader, lim Limits) (Attachment, error) {
	lim = lim.withDefaults()
	if err := ctx.Err(); err != nil {
		return Attachment{}, err
	}
	r = ctxReader{ctx, r}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Attachment{}, fmt.Errorf("attach: read upload: %w", err)
	}
	head = head[:n]
	f, err := sniff(head)
	if err != nil {
		return Attachment{}, err
	}
	if err := checkDeclared(declaredType, f); err != nil {
		return Attachment{}, err
	}
	limit := lim.MaxDocumentBytes
	if f.Image {
		limit = lim.MaxImageBytes
	}
	data, err := readLimited(head, r, limit)
	if err != nil {
		return Attachment{}, err
	}

	sum := sha256.Sum256(data)
	a := Attachment{
		SHA256:      hex.EncodeToString(sum[:]),
		Size:        int64(len(data)),
		ContentType: f.ContentType,
		Name:        SanitizeName(name, f),
	}
	public, thumb := data, []byte(nil)
	if f.Image {
		if public, thumb, err = s.prepareImage(ctx, data, f, lim, &a); err != nil {
			return Attachment{}, err
		}
	} else if err := checkPDF(data); err != nil {
		return Attachment{}, err
	}

	orig, err := s.store.Put(ctx, bytes.NewReader(data))
	if err != nil {
		return Attachment{}, fmt.Errorf("attach: store original: %w", err)
	}
	if orig.Key != a.SHA256 {
		return Attachment{}, fmt.Errorf("attach: store returned key %s for content %s", orig.Key, a.SHA256)
	}
	a.Key, a.PublicKey, a.PublicSize = orig.Key, orig.Key, orig.Size
	if !bytes.Equal(public, data) {
		pub, err := s.store.Put(ctx, bytes.NewReader(public))
		if err != nil {
			return Attachment{}, fmt.Errorf("attach: store public variant: %w", err)
		}
		a.PublicKey, a.PublicSize = pub.Key, pub.Size
	}
	if thumb != nil {
		th, err := s.store.Put(ctx, bytes.NewReader(thumb))
		if err != nil {
			return Attachment{}, fmt.Errorf("attach: store thumbnail: %w", err)
		}
		a.ThumbKey = th.Key
	}
	return a, nil
}

// readLimited returns head followed by the rest of r, refusing more than
// limit bytes in all.
func readLimited(head []byte, r io.Reader, limit int64) ([]byte, error) {
	if int64(len(head)) > limit {
		return nil, tooLarge(limit)
	}
	var buf bytes.Buffer
	buf.Grow(len(head) + 64<<10)
	buf.Write(head)
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1-int64(len(head)))); err != nil {
		return nil, fmt.Errorf("attach: read upload: %w", err)
	}
	if int64(buf.Len()) > limit {
		return nil, tooLarge(limit)
	}
	return buf.Bytes(), nil
}

func tooLarge(limit int64) error {
	return apperr.Field("file", "is larger than "+formatBytes(limit))
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// prepareImage decodes the image (bounded by MaxDecodes), reads its EXIF
// into a, and returns the public variant and the thumbnail.
func (s *Service) prepareImage(ctx context.Context, data []byte, f Format, lim Limits, a *Attachment) (public, thumb []byte, err error) {
	select {
	case s.decodes <- struct{}{}:
		defer func() { <-s.decodes }()
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	img, err := checkImage(data, f, lim.MaxPixels)
	if err != nil {
		return nil, nil, err
	}
	var tiff []byte
	switch f.ContentType {
	case formatJPEG.ContentType:
		tiff = jpegEXIF(data)
	case formatPNG.ContentType:
		tiff = pngEXIF(data)
	case formatWebP.ContentType:
		tiff = webpEXIF(data)
	}
	var meta photoMeta
	if tiff != nil {
		meta = parseEXIF(tiff, s.opts.Zone)
	}
	a.GPS, a.TakenAt = meta.GPS, meta.TakenAt
	if f.ContentType != formatJPEG.ContentType {
		// Only a JPEG's public variant keeps the orientation tag; for the
		// others the pixels as stored are what everyone sees, so sizes and
		// thumbnails follow them.
		meta.Orientation = 0
	}
	a.Width, a.Height = img.Bounds().Dx(), img.Bounds().Dy()
	if meta.Orientation >= 5 {
		a.Width, a.Height = a.Height, a.Width
	}

	switch f.ContentType {
	case formatJPEG.ContentType:
		public, _, err = stripJPEG(data, meta.Orientation)
	case formatPNG.ContentType:
		public, _, err = stripPNG(data)
	case formatWebP.ContentType:
		public, _, err = stripWebP(data)
	}
	if err != nil {
		// The decoder took it but its structure is not what the format
		// says; no public variant can be promised, so it is refused.
		return nil, nil, apperr.Field("file", fmt.Sprintf("is a damaged %s image", f.Name))
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	thumb, err = thumbnail(img, meta.Orientation, s.opts.ThumbSide, s.opts.ThumbQuality)
	if err != nil {
		return nil, nil, err
	}
	return public, thumb, nil
}

// checkPDF refuses a PDF whose end is missing. A PDF's last line is
// %%EOF; writers may add a little after it, so the last KiB is searched.
func checkPDF(data []byte) error {
	tail := data[max(0, len(data)-1024):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return apperr.Field("file", "is a truncated or damaged PDF")
	}
	return nil
}

// SanitizeName makes a client's file name safe to store and to put in a
// Content-Disposition header: only its last path element (Windows clients
// send "C:\…\photo.jpg"), NFC-normalised, without control or format
// characters (U+202E would show "gpj.exe" as "exe.jpg"), without
// characters that file systems or headers treat specially, no leading dots,
// at most MaxNameLen bytes, and ending in the extension of the real type.
func SanitizeName(name string, f Format) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = norm.NFC.String(name)
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`:*?"<>|;`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ". ")

	ext := strings.ToLower(path.Ext(name))
	stem := name
	switch {
	case f.hasExt(ext):
		stem = name[:len(name)-len(ext)]
	case knownExt(ext):
		stem, ext = name[:len(name)-len(ext)], f.Ext
	default:
		ext = f.Ext
	}
	stem = strings.TrimRight(stem, ". ")
	if stem == "" {
		stem = "attachment"
	}
	if over := len(stem) + len(ext) - MaxNameLen; over > 0 {
		stem = stem[:len(stem)-over]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		stem = strings.TrimRight(stem, ". ")
	}
	return stem + ext
}

// knownExt reports whether ext names a media type clients commonly send,
// so that a wrong one is replaced rather than kept before the real one.
func knownExt(ext string) bool {
	switch ext {
	case ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff",
		".heic", ".heif", ".avif", ".pdf", ".svg":
		return true
	}
	return false
}
