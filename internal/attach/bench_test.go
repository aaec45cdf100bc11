package attach

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"math/rand/v2"
	"testing"
)

// photoJPEG is a 4000×3000 JPEG of about 4 MB with noise, as a phone
// camera's photo is, carrying GPS EXIF.
func photoJPEG(b *testing.B) []byte {
	b.Helper()
	const w, h = 4000, 3000
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			img.Y[img.YOffset(x, y)] = uint8((x*255/w+y*255/h)/2) + uint8(rng.IntN(32))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128+uint8(rng.IntN(8)), 120+uint8(rng.IntN(8))
	}
	data := withMetadata(encodeJPEG(b, img, 88), beijingTIFF(binary.BigEndian))
	b.Logf("photo: %d×%d, %.1f MB", w, h, float64(len(data))/1e6)
	return data
}

func BenchmarkAccept(b *testing.B) {
	data := photoJPEG(b)
	disk, err := NewDiskStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		store Store
	}{{"jpeg4MB/memory", &memStore{}}, {"jpeg4MB/disk", disk}} {
		b.Run(bc.name, func(b *testing.B) {
			svc := NewService(bc.store, Options{})
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Accept(context.Background(), "photo.jpg", "image/jpeg", bytes.NewReader(data), Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The parts of Accept, to see where its time goes.
func BenchmarkAcceptParts(b *testing.B) {
	data := photoJPEG(b)
	img, err := decodeImage(data, formatJPEG)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeImage(data, formatJPEG); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("thumbnail", func(b *testing.B) {
		for b.Loop() {
			if _, err := thumbnail(img, 6, DefaultThumbSide, DefaultThumbQuality); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("strip", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, _, err := stripJPEG(data, 6); err != nil {
				b.Fatal(err)
			}
		}
	})
}
