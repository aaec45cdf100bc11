package attach

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/gridgov/gridgov/internal/apperr"
)

// imageConfig reads only the header of an image: its size comes from there
// before any pixel memory is allocated, which is what stops a decompression
// bomb (a small file that claims 100,000 × 100,000 pixels).
func imageConfig(data []byte, f Format) (image.Config, error) {
	r := bytes.NewReader(data)
	switch f.ContentType {
	case formatJPEG.ContentType:
		return jpeg.DecodeConfig(r)
	case formatPNG.ContentType:
		return png.DecodeConfig(r)
	case formatWebP.ContentType:
		return webp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("attach: %s is not an image format", f.ContentType)
}

func decodeImage(data []byte, f Format) (image.Image, error) {
	r := bytes.NewReader(data)
	switch f.ContentType {
	case formatJPEG.ContentType:
		return jpeg.Decode(r)
	case formatPNG.ContentType:
		return png.Decode(r)
	case formatWebP.ContentType:
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("attach: %s is not an image format", f.ContentType)
}

// checkImage makes sure data is a whole, bounded image of format f and
// returns it decoded.
func checkImage(data []byte, f Format, maxPixels int64) (image.Image, error) {
	name := f.Name
	cfg, err := imageConfig(data, f)
	if err != nil {
		return nil, apperr.Field("file", fmt.Sprintf("is not a readable %s image", name))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, apperr.Field("file", "has no pixels")
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return nil, apperr.Field("file", fmt.Sprintf("is %d×%d pixels; at most %s pixels are accepted",
			cfg.Width, cfg.Height, megapixels(maxPixels)))
	}
	img, err := decodeImage(data, f)
	if err != nil {
		return nil, apperr.Field("file", fmt.Sprintf("is a damaged or truncated %s image", name))
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, apperr.Field("file", fmt.Sprintf("is a damaged %s image", name))
	}
	return img, nil
}

func megapixels(n int64) string {
	if n%1_000_000 == 0 {
		return fmt.Sprintf("%d million", n/1_000_000)
	}
	return fmt.Sprintf("%d", n)
}

// thumbnail scales img so that its longer side is at most side pixels
// (smaller images keep their size), turns it upright by the EXIF
// orientation and encodes it as a JPEG without metadata. Transparent
// pixels are laid over white, as a page would show them.
func thumbnail(img image.Image, orientation, side, quality int) ([]byte, error) {
	sb := img.Bounds()
	w, h := sb.Dx(), sb.Dy()
	tw, th := w, h
	if w > side || h > side {
		if w >= h {
			tw, th = side, max(1, int((int64(h)*int64(side)+int64(w)/2)/int64(w)))
		} else {
			tw, th = max(1, int((int64(w)*int64(side)+int64(h)/2)/int64(h))), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	op := draw.Src
	if !opaqueModel(img) {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		op = draw.Over
	}
	// A kernel's work grows with the source, so a big photo is first
	// reduced with a cheap box filter (an average over k×k blocks) to
	// between two and four times the target; Catmull-Rom then does the
	// final, sharp step.
	src := img
	if y, ok := img.(*image.YCbCr); ok && y.Rect.Min == (image.Point{}) {
		if k := min(w/(2*tw), h/(2*th)); k >= 2 {
			src = boxYCbCr(y, k)
		}
	}
	for src.Bounds().Dx() >= 4*tw && src.Bounds().Dy() >= 4*th {
		var ok bool
		if src, ok = halve(src); !ok {
			break
		}
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), op, nil)
	out := orient(dst, orientation)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("attach: encode thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}

// opaqueModel reports whether img's colour model has no alpha at all,
// without looking at its pixels.
func opaqueModel(img image.Image) bool {
	switch img.(type) {
	case *image.YCbCr, *image.Gray, *image.Gray16, *image.CMYK:
		return true
	}
	return false
}

// boxYCbCr averages each k×k block of a JPEG's planes straight into RGB,
// one pass over the luma and one over the chroma, without a per-pixel call.
// The last w mod k columns and h mod k rows are left out, which changes
// the aspect ratio by less than k pixels' worth.
func boxYCbCr(src *image.YCbCr, k int) *image.RGBA {
	sx, sy := 1, 1
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		sx = 2
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio440:
		sy = 2
	case image.YCbCrSubsampleRatio411:
		sx = 4
	case image.YCbCrSubsampleRatio410:
		sx, sy = 4, 2
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	cw, ch := (w+sx-1)/sx, (h+sy-1)/sy
	ow, oh := w/k, h/k
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	ys := make([]uint32, ow)
	cbs, crs, cn := make([]uint32, ow), make([]uint32, ow), make([]uint32, ow)
	// span returns the chroma samples covering pixels [i*k, (i+1)*k).
	span := func(i, s, limit int) (int, int) {
		lo, hi := i*k/s, ((i+1)*k+s-1)/s
		return lo, max(lo+1, min(hi, limit))
	}
	for oy := range oh {
		clear(ys)
		clear(cbs)
		clear(crs)
		clear(cn)
		for y := oy * k; y < (oy+1)*k; y++ {
			row := src.Y[y*src.YStride:]
			for ox := range ow {
				var sum uint32
				for _, v := range row[ox*k : ox*k+k] {
					sum += uint32(v)
				}
				ys[ox] += sum
			}
		}
		cy0, cy1 := span(oy, sy, ch)
		for cy := cy0; cy < cy1; cy++ {
			cbRow, crRow := src.Cb[cy*src.CStride:], src.Cr[cy*src.CStride:]
			for ox := range ow {
				cx0, cx1 := span(ox, sx, cw)
				for cx := cx0; cx < cx1; cx++ {
					cbs[ox] += uint32(cbRow[cx])
					crs[ox] += uint32(crRow[cx])
				}
				cn[ox] += uint32(cx1 - cx0)
			}
		}
		n := uint32(k * k)
		out := dst.Pix[oy*dst.Stride:]
		for ox := range ow {
			r, g, b := color.YCbCrToRGB(uint8((ys[ox]+n/2)/n), uint8((cbs[ox]+cn[ox]/2)/cn[ox]), uint8((crs[ox]+cn[ox]/2)/cn[ox]))
			p := out[4*ox : 4*ox+4]
			p[0], p[1], p[2], p[3] = r, g, b, 0xFF
		}
	}
	return dst
}

// halve averages each 2×2 block of the common decoded kinds (YCbCr for
// JPEG photos, RGBA, NRGBA, Gray) reading their pixel arrays directly; ok is
// false for other kinds, which Catmull-Rom then takes as they are.
func halve(src image.Image) (out image.Image, ok bool) {
	sb := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, sb.Dx()/2, sb.Dy()/2))
	var px func(x, y int) (r, g, b, a uint32) // premultiplied, 8-bit
	switch s := src.(type) {
	case *image.YCbCr:
		px = func(x, y int) (uint32, uint32, uint32, uint32) {
			yi, ci := s.YOffset(x, y), s.COffset(x, y)
			r, g, b := color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
			return uint32(r), uint32(g), uint32(b), 0xFF
		}
	case *image.RGBA:
		px = func(x, y int) (uint32, uint32, uint32, uint32) {
			p := s.Pix[s.PixOffset(x, y):]
			return uint32(p[0]), uint32(p[1]), uint32(p[2]), uint32(p[3])
		}
	case *image.NRGBA:
		px = func(x, y int) (uint32, uint32, uint32, uint32) {
			p := s.Pix[s.PixOffset(x, y):]
			a := uint32(p[3])
			return (uint32(p[0])*a + 127) / 255, (uint32(p[1])*a + 127) / 255, (uint32(p[2])*a + 127) / 255, a
		}
	case *image.Gray:
		px = func(x, y int) (uint32, uint32, uint32, uint32) {
			v := uint32(s.Pix[s.PixOffset(x, y)])
			return v, v, v, 0xFF
		}
	default:
		return src, false
	}
	for y := range dst.Rect.Dy() {
		row := dst.Pix[y*dst.Stride:]
		for x := range dst.Rect.Dx() {
			var r, g, b, a uint32
			for dy := range 2 {
				for dx := range 2 {
					pr, pg, pb, pa := px(sb.Min.X+2*x+dx, sb.Min.Y+2*y+dy)
					r, g, b, a = r+pr, g+pg, b+pb, a+pa
				}
			}
			p := row[4*x : 4*x+4]
			p[0], p[1], p[2], p[3] = uint8((r+2)/4), uint8((g+2)/4), uint8((b+2)/4), uint8((a+2)/4)
		}
	}
	return dst, true
}

// orient turns an image the way its EXIF orientation says it is meant to
// be seen.
func orient(src *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var nx, ny int
			switch orientation {
			case 2: // mirrored
				nx, ny = w-1-x, y
			case 3: // upside down
				nx, ny = w-1-x, h-1-y
			case 4: // mirrored upside down
				nx, ny = x, h-1-y
			case 5: // transposed
				nx, ny = y, x
			case 6: // turned 90° clockwise to view
				nx, ny = h-1-y, x
			case 7: // transverse
				nx, ny = h-1-y, w-1-x
			case 8: // turned 90° counter-clockwise to view
				nx, ny = y, w-1-x
			}
			si := src.PixOffset(src.Rect.Min.X+x, src.Rect.Min.Y+y)
			di := dst.PixOffset(nx, ny)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}
