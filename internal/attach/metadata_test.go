package attach

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	tiananmen = Location{Lat: 39 + 54.0/60 + 15.12/3600, Lng: 116 + 24.0/60 + 26.64/3600}
	mayDay    = time.Date(2024, 5, 1, 2, 30, 0, 0, time.UTC)
)

func near(a, b Location) bool {
	return math.Abs(a.Lat-b.Lat) < 1e-9 && math.Abs(a.Lng-b.Lng) < 1e-9
}

func TestAcceptJPEGStripsLocationFromPublicVariant(t *testing.T) {
	t.Parallel()
	svc, store := newTestService(t)
	plain := encodeJPEG(t, gradient(640, 480), 90)
	upload := withMetadata(plain, beijingTIFF(binary.BigEndian))

	a, err := svc.Accept(context.Background(), "IMG_2024.jpg", "image/jpeg", bytes.NewReader(upload), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if a.GPS == nil || !near(*a.GPS, tiananmen) {
		t.Fatalf("GPS = %v, want %v", a.GPS, tiananmen)
	}
	if a.TakenAt == nil || !a.TakenAt.Equal(mayDay) {
		t.Fatalf("TakenAt = %v, want %v", a.TakenAt, mayDay)
	}
	// Orientation 6: stored 640×480, seen 480×640.
	if a.Width != 480 || a.Height != 640 {
		t.Fatalf("size = %d×%d, want 480×640", a.Width, a.Height)
	}
	if a.PublicKey == a.Key || a.Key != sha(upload) {
		t.Fatalf("keys: %+v", a)
	}

	orig := readBlob(t, store, a.Key)
	if !bytes.Equal(orig, upload) {
		t.Fatal("the original was altered")
	}
	public := readBlob(t, store, a.PublicKey)
	if int64(len(public)) != a.PublicSize {
		t.Fatalf("PublicSize %d, blob %d bytes", a.PublicSize, len(public))
	}
	for _, leak := range []string{"GPS", "Gridphone", "ns.adobe.com", "Sublocation", "taken at home", "PK\x03\x04"} {
		if bytes.Contains(public, []byte(leak)) {
			t.Errorf("the public variant still holds %q", leak)
		}
	}
	meta := parseEXIF(jpegEXIF(public), time.UTC)
	if diff := cmp.Diff(photoMeta{Orientation: 6}, meta); diff != "" {
		t.Errorf("public EXIF (-want +got):\n%s", diff)
	}
	// The strip is lossless: the same compressed data, the same pixels.
	if !bytes.Contains(public, plain[2:len(plain)-2]) {
		t.Error("the public variant does not hold the original's image data unchanged")
	}
	if len(public) != len(plain)+len(orientationSegment(6)) {
		t.Errorf("public variant is %d bytes, want %d", len(public), len(plain)+len(orientationSegment(6)))
	}
	pi, err := decodeImage(public, formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	oi, _ := decodeImage(plain, formatJPEG)
	if !bytes.Equal(pi.(*image.YCbCr).Y, oi.(*image.YCbCr).Y) {
		t.Error("the public variant decodes to other pixels")
	}

	pub := a.Public()
	if pub.GPS != nil || pub.Key != a.PublicKey || pub.SHA256 != "" || pub.Size != a.PublicSize {
		t.Errorf("Public() = %+v", pub)
	}
}

func TestAcceptPNGAndWebPStripLocation(t *testing.T) {
	t.Parallel()
	svc, store := newTestService(t)
	tiff := beijingTIFF(binary.LittleEndian)
	tests := []struct {
		name string
		data []byte
		leak []string
	}{
		{name: "png", data: pngWithMetadata(encodePNG(t, gradient(50, 40)), tiff), leak: []string{"eXIf", "tEXt", "GPS"}},
		{name: "webp lossless", data: webpExtended(t, readTestdata(t, "gopher-doc.8bpp.lossless.webp"), tiff), leak: []string{"EXIF", "XMP", "GPS"}},
		{name: "webp lossy", data: webpExtended(t, readTestdata(t, "blue-purple-pink.lossy.webp"), tiff), leak: []string{"EXIF", "XMP", "GPS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := svc.Accept(context.Background(), "x", "", bytes.NewReader(tt.data), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if a.GPS == nil || !near(*a.GPS, tiananmen) || a.TakenAt == nil || !a.TakenAt.Equal(mayDay) {
				t.Fatalf("GPS %v, taken %v", a.GPS, a.TakenAt)
			}
			public := readBlob(t, store, a.PublicKey)
			for _, leak := range tt.leak {
				if bytes.Contains(public, []byte(leak)) {
					t.Errorf("the public variant still holds %q", leak)
				}
			}
			f, err := sniff(public)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := decodeImage(tt.data, f)
			if a.Width != want.Bounds().Dx() || a.Height != want.Bounds().Dy() {
				t.Errorf("size %d×%d, want the stored %v (the orientation tag is dropped)", a.Width, a.Height, want.Bounds())
			}
			got, err := decodeImage(public, f)
			if err != nil {
				t.Fatalf("the public variant does not decode: %v", err)
			}
			if !samePixels(want, got) {
				t.Error("the public variant decodes to other pixels")
			}
		})
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

func TestParseEXIF(t *testing.T) {
	t.Parallel()
	cst := time.FixedZone("CST", 8*3600)
	south := []tiffEntry{
		asciiTag(tagGPSLatitudeRef, "S"), rationalTag(tagGPSLatitude, 33, 1, 52, 1, 0, 1),
		asciiTag(tagGPSLongitudeRef, "W"), rationalTag(tagGPSLongitude, 70, 1, 30, 1, 0, 1),
	}
	tests := []struct {
		name string
		tiff []byte
		want photoMeta
	}{
		{name: "big-endian phone", tiff: beijingTIFF(binary.BigEndian),
			want: photoMeta{Orientation: 6, GPS: &tiananmen, TakenAt: &mayDay}},
		{name: "little-endian phone", tiff: beijingTIFF(binary.LittleEndian),
			want: photoMeta{Orientation: 6, GPS: &tiananmen, TakenAt: &mayDay}},
		{name: "south and west", tiff: buildTIFF(binary.LittleEndian, nil, nil, south),
			want: photoMeta{GPS: &Location{Lat: -(33 + 52.0/60), Lng: -70.5}}},
		{name: "camera time without offset is read in the zone",
			tiff: buildTIFF(binary.BigEndian, []tiffEntry{shortTag(tagOrientation, 1)},
				[]tiffEntry{asciiTag(tagDateTimeOriginal, "2024:05:01 10:30:00")}, nil),
			want: photoMeta{Orientation: 1, TakenAt: &mayDay}},
		{name: "GPS clock wins over a camera clock without offset",
			tiff: buildTIFF(binary.BigEndian, nil,
				[]tiffEntry{asciiTag(tagDateTimeOriginal, "2024:05:01 09:00:00")},
				[]tiffEntry{asciiTag(tagGPSDateStamp, "2024:05:01"), rationalTag(tagGPSTimeStamp, 2, 1, 30, 1, 0, 1)}),
			want: photoMeta{TakenAt: &mayDay}},
		{name: "no fix written as 0,0",
			tiff: buildTIFF(binary.BigEndian, nil, nil, []tiffEntry{
				asciiTag(tagGPSLatitudeRef, "N"), rationalTag(tagGPSLatitude, 0, 1, 0, 1, 0, 1),
				asciiTag(tagGPSLongitudeRef, "E"), rationalTag(tagGPSLongitude, 0, 1, 0, 1, 0, 1),
			}),
			want: photoMeta{}},
		{name: "zero denominator",
			tiff: buildTIFF(binary.BigEndian, nil, nil, []tiffEntry{
				rationalTag(tagGPSLatitude, 39, 0, 0, 1, 0, 1), rationalTag(tagGPSLongitude, 116, 1, 0, 1, 0, 1),
			}),
			want: photoMeta{}},
		{name: "latitude out of range",
			tiff: buildTIFF(binary.BigEndian, nil, nil, []tiffEntry{
				rationalTag(tagGPSLatitude, 95, 1, 0, 1, 0, 1), rationalTag(tagGPSLongitude, 116, 1, 0, 1, 0, 1),
			}),
			want: photoMeta{}},
		{name: "zeroed date", tiff: buildTIFF(binary.BigEndian, nil,
			[]tiffEntry{asciiTag(tagDateTimeOriginal, "0000:00:00 00:00:00")}, nil), want: photoMeta{}},
		{name: "orientation out of range", tiff: buildTIFF(binary.BigEndian, []tiffEntry{shortTag(tagOrientation, 9)}, nil, nil), want: photoMeta{}},
		{name: "not TIFF", tiff: []byte("JUNKJUNKJUNK"), want: photoMeta{}},
		{name: "empty", tiff: nil, want: photoMeta{}},
		{name: "IFD offset past the end", tiff: []byte("MM\x00\x2a\xff\xff\xff\x00"), want: photoMeta{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := parseEXIF(tt.tiff, cst)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(near)); diff != "" {
				t.Errorf("parseEXIF (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStripJPEGKeepsColourSegments(t *testing.T) {
	t.Parallel()
	plain := encodeJPEG(t, gradient(32, 32), 80)
	jfif := jpegSeg(mAPP0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"))
	icc := jpegSeg(mAPP2, append([]byte("ICC_PROFILE\x00\x01\x01"), make([]byte, 64)...))
	mpf := jpegSeg(mAPP2, []byte("MPF\x00II*\x00"))
	adobe := jpegSeg(mAPP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"))
	ducky := jpegSeg(0xEC, []byte("Ducky\x00\x01"))
	in := append(append([]byte{}, plain[:2]...), jfif...)
	in = append(in, icc...)
	in = append(in, mpf...)
	in = append(in, adobe...)
	in = append(in, ducky...)
	in = append(in, plain[2:]...)

	out, changed, err := stripJPEG(in, 0)
	if err != nil || !changed {
		t.Fatalf("stripJPEG: changed %v, %v", changed, err)
	}
	want := append(append([]byte{}, plain[:2]...), jfif...)
	want = append(want, icc...)
	want = append(want, adobe...)
	want = append(want, plain[2:]...)
	if !bytes.Equal(out, want) {
		t.Fatal("stripJPEG did not keep exactly JFIF, ICC and Adobe")
	}

	again, changed, err := stripJPEG(out, 0)
	if err != nil || changed || !bytes.Equal(again, out) {
		t.Fatalf("stripping a clean JPEG changed it (%v, %v)", changed, err)
	}
}

func TestThumbnails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		w, h, orientation int
		wantW, wantH      int
	}{
		{name: "landscape", w: 1000, h: 500, wantW: 320, wantH: 160},
		{name: "portrait", w: 500, h: 1000, wantW: 160, wantH: 320},
		{name: "square", w: 4000, h: 4000, wantW: 320, wantH: 320},
		{name: "small stays small", w: 200, h: 100, wantW: 200, wantH: 100},
		{name: "thin strip", w: 5000, h: 3, wantW: 320, wantH: 1},
		{name: "turned by EXIF", w: 1000, h: 500, orientation: 6, wantW: 160, wantH: 320},
		{name: "transposed by EXIF", w: 1000, h: 500, orientation: 5, wantW: 160, wantH: 320},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := image.NewYCbCr(image.Rect(0, 0, tt.w, tt.h), image.YCbCrSubsampleRatio420)
			b, err := thumbnail(src, tt.orientation, DefaultThumbSide, DefaultThumbQuality)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := imageConfig(b, formatJPEG)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != tt.wantW || cfg.Height != tt.wantH {
				t.Fatalf("thumbnail %d×%d, want %d×%d", cfg.Width, cfg.Height, tt.wantW, tt.wantH)
			}
			if jpegEXIF(b) != nil {
				t.Fatal("thumbnail carries EXIF")
			}
		})
	}
}

func TestThumbnailLooksLikeTheImage(t *testing.T) {
	t.Parallel()
	// Quadrants survive halving, Catmull-Rom and JPEG: each corner of the
	// thumbnail keeps its colour.
	jpg420, err := decodeImage(encodeJPEG(t, quadrants(2001, 999), 90), formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []image.Image{quadrants(2000, 1000), toYCbCr(quadrants(2000, 1000)), toNRGBA(quadrants(1000, 500)), jpg420} {
		b, err := thumbnail(src, 1, 320, 90)
		if err != nil {
			t.Fatal(err)
		}
		img, err := decodeImage(b, formatJPEG)
		if err != nil {
			t.Fatal(err)
		}
		checkCorners(t, img, corners{tl: red, tr: green, bl: blue, br: white})
	}
}

func TestThumbnailTransparencyOverWhite(t *testing.T) {
	t.Parallel()
	src := image.NewNRGBA(image.Rect(0, 0, 400, 400)) // fully transparent
	b, err := thumbnail(src, 1, 320, 90)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := decodeImage(b, formatJPEG)
	checkCorners(t, img, corners{tl: white, tr: white, bl: white, br: white})
}

func TestOrient(t *testing.T) {
	t.Parallel()
	// Where the stored top-left (red) and top-right (green) corners are
	// seen for each EXIF orientation.
	tests := []struct {
		orientation int
		want        corners
	}{
		{1, corners{tl: red, tr: green, bl: blue, br: white}},
		{2, corners{tl: green, tr: red, bl: white, br: blue}},
		{3, corners{tl: white, tr: blue, bl: green, br: red}},
		{4, corners{tl: blue, tr: white, bl: red, br: green}},
		{5, corners{tl: red, tr: blue, bl: green, br: white}},
		{6, corners{tl: blue, tr: red, bl: white, br: green}},
		{7, corners{tl: white, tr: green, bl: blue, br: red}},
		{8, corners{tl: green, tr: white, bl: red, br: blue}},
	}
	for _, tt := range tests {
		got := orient(quadrants(6, 4), tt.orientation)
		if tt.orientation >= 5 && (got.Rect.Dx() != 4 || got.Rect.Dy() != 6) {
			t.Errorf("orientation %d: %v, want 4×6", tt.orientation, got.Rect)
		}
		checkCorners(t, got, tt.want)
	}
}

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

type corners struct{ tl, tr, bl, br color.RGBA }

func checkCorners(t *testing.T, img image.Image, want corners) {
	t.Helper()
	r := img.Bounds()
	at := func(x, y int) color.RGBA {
		cr, cg, cb, ca := img.At(x, y).RGBA()
		return color.RGBA{uint8(cr >> 8), uint8(cg >> 8), uint8(cb >> 8), uint8(ca >> 8)}
	}
	got := corners{tl: at(r.Min.X, r.Min.Y), tr: at(r.Max.X-1, r.Min.Y), bl: at(r.Min.X, r.Max.Y-1), br: at(r.Max.X-1, r.Max.Y-1)}
	close := func(a, b color.RGBA) bool {
		d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
		return d(a.R, b.R) < 40 && d(a.G, b.G) < 40 && d(a.B, b.B) < 40
	}
	if !close(got.tl, want.tl) || !close(got.tr, want.tr) || !close(got.bl, want.bl) || !close(got.br, want.br) {
		t.Errorf("corners %v, want %v", got, want)
	}
}

func toYCbCr(src *image.RGBA) *image.YCbCr {
	r := src.Bounds()
	dst := image.NewYCbCr(r, image.YCbCrSubsampleRatio444)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := src.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			dst.Y[dst.YOffset(x, y)], dst.Cb[dst.COffset(x, y)], dst.Cr[dst.COffset(x, y)] = yy, cb, cr
		}
	}
	return dst
}

func toNRGBA(src *image.RGBA) *image.NRGBA {
	dst := image.NewNRGBA(src.Bounds())
	copy(dst.Pix, src.Pix) // opaque, so premultiplied equals straight
	return dst
}

func TestAcceptThumbnailIsUpright(t *testing.T) {
	t.Parallel()
	svc, store := newTestService(t)
	upload := withMetadata(encodeJPEG(t, quadrants(800, 400), 90), beijingTIFF(binary.BigEndian))
	a, err := svc.Accept(context.Background(), "x.jpg", "", bytes.NewReader(upload), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := decodeImage(readBlob(t, store, a.ThumbKey), formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 160 || b.Dy() != 320 {
		t.Fatalf("thumbnail %v, want 160×320", b)
	}
	checkCorners(t, img, corners{tl: blue, tr: red, bl: white, br: green})
}
