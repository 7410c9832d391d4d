package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// canvas returns a w x h image filled with bg.
func canvas(w, h int, bg color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	return img
}

// fill paints the rectangle [x0, x1) x [y0, y1) of img with c.
func fill(img draw.Image, x0, y0, x1, y1 int, c color.Color) {
	draw.Draw(img, image.Rect(x0, y0, x1, y1), image.NewUniform(c), image.Point{}, draw.Src)
}

// ink describes a 28x28 result: its bounding box (pixels > 0), center of
// mass in index coordinates, brightest value and mean of the four corners.
type ink struct {
	x0, y0, x1, y1 int
	cx, cy         float64
	peak           uint8
	corners        float64
}

func measure(t *testing.T, px []uint8) ink {
	t.Helper()
	if len(px) != 28*28 {
		t.Fatalf("%d pixels, want 784", len(px))
	}
	m := ink{x0: 28, y0: 28}
	var mass float64
	for y := range 28 {
		for x := range 28 {
			v := px[y*28+x]
			if v == 0 {
				continue
			}
			m.x0, m.y0, m.x1, m.y1 = min(m.x0, x), min(m.y0, y), max(m.x1, x+1), max(m.y1, y+1)
			mass += float64(v)
			m.cx += float64(v) * float64(x)
			m.cy += float64(v) * float64(y)
			m.peak = max(m.peak, v)
		}
	}
	if mass > 0 {
		m.cx, m.cy = m.cx/mass, m.cy/mass
	}
	m.corners = (float64(px[0]) + float64(px[27]) + float64(px[27*28]) + float64(px[28*28-1])) / 4
	return m
}

func TestImageToMNIST(t *testing.T) {
	white, black := color.Gray{255}, color.Gray{0}
	tests := []struct {
		name string
		img  func() image.Image
		// want: size of the ink box (columns, rows); unless faint, ink at 255.
		boxW, boxH int
		faint      bool
		check      func(t *testing.T, px []uint8, m ink)
	}{
		{
			name: "a black-on-white 1 stroke becomes a white-on-black stroke 20 pixels high",
			img: func() image.Image {
				img := canvas(100, 100, white)
				fill(img, 45, 10, 55, 90, black) // 10 wide, 80 high: 2.5 x 20 after scaling
				return img
			},
			boxW: 3, boxH: 20,
		},
		{
			name: "a white-on-black L keeps its polarity and aspect ratio",
			img: func() image.Image {
				img := canvas(60, 60, black)
				fill(img, 10, 10, 20, 50, white) // 40 high
				fill(img, 10, 40, 40, 50, white) // 30 wide
				return img
			},
			boxW: 15, boxH: 20,
		},
		{
			name: "a tiny 3x5 image is upscaled to 20 rows",
			img: func() image.Image {
				img := canvas(3, 5, white)
				fill(img, 1, 0, 2, 5, black)
				return img
			},
			boxW: 4, boxH: 20,
		},
		{
			name: "black ink on a transparent background reads as ink on paper",
			img: func() image.Image {
				img := canvas(50, 50, color.NRGBA{0, 0, 0, 0}) // transparent black
				fill(img, 20, 5, 30, 45, color.NRGBA{0, 0, 0, 255})
				return img
			},
			boxW: 5, boxH: 20,
		},
		{
			name: "gray paper and dark gray ink are stretched to black and white",
			img: func() image.Image {
				img := canvas(40, 40, color.Gray{200})
				fill(img, 15, 5, 25, 35, color.Gray{60})
				return img
			},
			boxW: 7, boxH: 20,
		},
		{
			name: "blue ink on white is converted by luminance",
			img: func() image.Image {
				img := canvas(40, 40, white)
				fill(img, 15, 5, 25, 35, color.NRGBA{20, 30, 160, 255})
				return img
			},
			boxW: 7, boxH: 20,
		},
		{
			name: "a wide horizontal bar fits 20 columns",
			img: func() image.Image {
				img := canvas(200, 100, white)
				fill(img, 20, 45, 180, 55, black) // 160 x 10
				return img
			},
			boxW: 20, boxH: 1, // 10 * 20/160 = 1.25 rows
		},
		{
			name: "one-pixel lines of a 380-pixel square survive a 19x reduction",
			img: func() image.Image {
				img := canvas(400, 400, white)
				fill(img, 10, 10, 390, 11, black)
				fill(img, 10, 389, 390, 390, black)
				fill(img, 10, 10, 11, 390, black)
				fill(img, 389, 10, 390, 390, black)
				return img
			},
			boxW: 20, boxH: 20, faint: true,
			check: func(t *testing.T, px []uint8, m ink) {
				// Every pixel of the outline is gray (1/19 of full ink, the
				// corners twice that), the inside black: point sampling would
				// have lost most of it.
				for i := 1; i < 19; i++ {
					for _, p := range [][2]int{{m.x0 + i, m.y0}, {m.x0 + i, m.y1 - 1}, {m.x0, m.y0 + i}, {m.x1 - 1, m.y0 + i}} {
						if v := px[p[1]*28+p[0]]; v < 10 || v > 16 {
							t.Errorf("outline pixel (%d, %d) is %d, want about 255/19 = 13", p[0], p[1], v)
						}
					}
				}
				if v := px[14*28+14]; v != 0 {
					t.Errorf("inside pixel is %d, want 0", v)
				}
			},
		},
		{
			name: "a sub-image with an offset origin converts like the full image",
			img: func() image.Image {
				img := canvas(100, 100, white)
				fill(img, 60, 60, 65, 90, black)
				return img.SubImage(image.Rect(50, 50, 100, 100))
			},
			boxW: 3, boxH: 20,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px, err := ImageToMNIST(tt.img())
			if err != nil {
				t.Fatal(err)
			}
			m := measure(t, px)
			if w, h := m.x1-m.x0, m.y1-m.y0; w != tt.boxW || h != tt.boxH {
				t.Errorf("ink box %dx%d at (%d, %d), want %dx%d", w, h, m.x0, m.y0, tt.boxW, tt.boxH)
			}
			if !tt.faint && m.peak != 255 {
				t.Errorf("brightest pixel %d, want 255 (white ink)", m.peak)
			}
			if m.corners != 0 {
				t.Errorf("corners average %g, want 0 (black background)", m.corners)
			}
			// Whole-pixel shifts put the center of mass within half a pixel
			// of (14, 14).
			if math.Abs(m.cx-14) > 0.5 || math.Abs(m.cy-14) > 0.5 {
				t.Errorf("center of mass (%.2f, %.2f), want within 0.5 of (14, 14)", m.cx, m.cy)
			}
			if tt.check != nil {
				tt.check(t, px, m)
			}
		})
	}
}

func TestImageToMNISTKeepsALopsidedDigitInTheField(t *testing.T) {
	// A heavy dot at one end of a thin bar has its center of mass near the
	// box's edge: centering it exactly would push the bar out of the field.
	img := canvas(100, 100, color.Gray{255})
	fill(img, 5, 45, 95, 47, color.Gray{0})  // thin bar, 90 wide
	fill(img, 75, 30, 95, 60, color.Gray{0}) // heavy block at the right end
	px, err := ImageToMNIST(img)
	if err != nil {
		t.Fatal(err)
	}
	m := measure(t, px)
	if m.x1-m.x0 != 20 {
		t.Errorf("ink spans %d columns, want all 20 of the box", m.x1-m.x0)
	}
}

func TestImageToMNISTRejectsBlankImages(t *testing.T) {
	tests := []struct {
		name string
		img  image.Image
	}{
		{"a white page", canvas(50, 50, color.Gray{255})},
		{"a black page", canvas(50, 50, color.Gray{0})},
		{"a mid-gray page", canvas(50, 50, color.Gray{128})},
		{"a fully transparent page", canvas(10, 10, color.NRGBA{0, 0, 0, 0})},
		{"a 1x1 image", canvas(1, 1, color.Gray{0})},
		{"an empty image", image.NewGray(image.Rect(0, 0, 0, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px, err := ImageToMNIST(tt.img)
			if !errors.Is(err, ErrBlankImage) {
				t.Errorf("got %d pixels, error %v; want %v", len(px), err, ErrBlankImage)
			}
		})
	}
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withSize returns the PNG raw with its IHDR width and height replaced (and
// the chunk's CRC recomputed), so only the declared size is wrong.
func withSize(raw []byte, w, h uint32) []byte {
	out := bytes.Clone(raw)
	ihdr := out[8:] // after the signature: length, "IHDR", 13 bytes, CRC
	binary.BigEndian.PutUint32(ihdr[8:], w)
	binary.BigEndian.PutUint32(ihdr[12:], h)
	binary.BigEndian.PutUint32(ihdr[21:], crc32.ChecksumIEEE(ihdr[4:21]))
	return out
}

func TestLoadPNG(t *testing.T) {
	dir := t.TempDir()
	digit := canvas(30, 40, color.Gray{255})
	fill(digit, 12, 5, 18, 35, color.Gray{0})
	valid := encodePNG(t, digit)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		want error // nil: must succeed
	}{
		{"a valid PNG converts", write("digit.png", valid), nil},
		{"a missing file is fs.ErrNotExist", filepath.Join(dir, "missing.png"), fs.ErrNotExist},
		{"a text file is not a PNG", write("notes.png", []byte("not an image\n")), ErrNotPNG},
		{"an empty file is not a PNG", write("empty.png", nil), ErrNotPNG},
		{"a GIF is not a PNG", write("digit.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")), ErrNotPNG},
		{"a PNG cut in half is damaged", write("half.png", valid[:len(valid)/2]), ErrNotPNG},
		{"a folder is a path of the wrong kind", dir, ErrNotRegular},
		{"a blank PNG holds no digit", write("blank.png", encodePNG(t, canvas(8, 8, color.Gray{255}))), ErrBlankImage},
		{"a declared 100000x100000 image is refused before decoding", write("huge.png", withSize(valid, 100000, 100000)), ErrImageSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px, err := LoadPNG(tt.path)
			if tt.want == nil {
				if err != nil || len(px) != 784 {
					t.Fatalf("got %d pixels, error %v; want 784 pixels", len(px), err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if px != nil {
				t.Errorf("got %d pixels with the error", len(px))
			}
		})
	}
}

// TestLoadPNGTruncated checks that every prefix of a valid PNG fails cleanly.
func TestLoadPNGTruncated(t *testing.T) {
	img := canvas(12, 12, color.Gray{255})
	fill(img, 4, 2, 8, 10, color.Gray{0})
	raw := encodePNG(t, img)
	for n := range len(raw) {
		if _, err := decodePNG("cut.png", bytes.NewReader(raw[:n])); !errors.Is(err, ErrNotPNG) {
			t.Fatalf("prefix of %d of %d bytes: error %v, want %v", n, len(raw), err, ErrNotPNG)
		}
	}
}

func FuzzDecodePNG(f *testing.F) {
	img := canvas(12, 12, color.Gray{255})
	fill(img, 4, 2, 8, 10, color.Gray{0})
	f.Add(encodePNG(f, img))
	f.Add(encodePNG(f, canvas(3, 1, color.NRGBA{10, 200, 30, 128})))
	f.Fuzz(func(t *testing.T, raw []byte) {
		px, err := decodePNG("fuzz.png", bytes.NewReader(raw))
		if err == nil && len(px) != 784 {
			t.Fatalf("accepted with %d pixels", len(px))
		}
	})
}

// mnistTest loads the MNIST test set from the module cache, or skips.
func mnistTest(t *testing.T) *Set {
	t.Helper()
	if testing.Short() {
		t.Skip("reads MNIST (-short)")
	}
	dir, err := ModuleDataDir()
	if err != nil {
		t.Skipf("MNIST is not in the module cache: %v", err)
	}
	paths, _, err := findAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	set, err := readSet(paths[2], paths[3], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func cosine(a, b []uint8) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab, aa, bb = ab+x*y, aa+x*x, bb+y*y
	}
	return ab / math.Sqrt(aa*bb)
}

// TestImageToMNISTRoundTrip renders MNIST test digits as a user's scan
// would look (dark ink on white, 10x larger, through a PNG file) and checks
// that converting them back gives nearly the original: no model involved.
func TestImageToMNISTRoundTrip(t *testing.T) {
	set := mnistTest(t)
	worst, sum := 1.0, 0.0
	const n = 200
	for i := range n {
		orig := set.Image(i)
		big := image.NewGray(image.Rect(0, 0, 280, 280))
		for y := range 280 {
			for x := range 280 {
				big.Pix[y*280+x] = 255 - orig[(y/10)*28+x/10]
			}
		}
		px, err := decodePNG(fmt.Sprintf("test-%d.png", i), bytes.NewReader(encodePNG(t, big)))
		if err != nil {
			t.Fatalf("test image %d: %v", i, err)
		}
		c := cosine(orig, px)
		sum += c
		if c < worst {
			worst = c
		}
		if c < 0.8 {
			t.Errorf("test image %d (a %d): cosine similarity %.3f to the original, want > 0.8", i, set.Labels[i], c)
		}
	}
	t.Logf("cosine similarity over %d test digits: mean %.3f, worst %.3f", n, sum/n, worst)
}

// The center of mass of MNIST digits is at (14, 14) on average, where
// ImageToMNIST puts it.
func TestMNISTCenterOfMass(t *testing.T) {
	set := mnistTest(t)
	var cx, cy float64
	for i := range set.N {
		m := measure(t, set.Image(i))
		cx, cy = cx+m.cx, cy+m.cy
	}
	cx, cy = cx/float64(set.N), cy/float64(set.N)
	if math.Abs(cx-14) > 0.1 || math.Abs(cy-14) > 0.1 {
		t.Errorf("mean center of mass of the test digits (%.3f, %.3f), want (14, 14)", cx, cy)
	}
}

func ExampleImageToMNIST() {
	// A 60x90 scan of a "1": a dark bar on white paper, off to the left.
	img := image.NewGray(image.Rect(0, 0, 60, 90))
	for i := range img.Pix {
		img.Pix[i] = 250
	}
	for y := 10; y < 80; y++ {
		for x := 8; x < 15; x++ {
			img.Pix[y*60+x] = 30
		}
	}
	px, err := ImageToMNIST(img)
	if err != nil {
		fmt.Println(err)
		return
	}
	for y := 2; y < 26; y += 4 { // every fourth row, columns 8..19
		fmt.Printf("%v\n", px[y*28+8:y*28+20])
	}
	// Output:
	// [0 0 0 0 0 0 0 0 0 0 0 0]
	// [0 0 0 0 0 0 255 255 0 0 0 0]
	// [0 0 0 0 0 0 255 255 0 0 0 0]
	// [0 0 0 0 0 0 255 255 0 0 0 0]
	// [0 0 0 0 0 0 255 255 0 0 0 0]
	// [0 0 0 0 0 0 255 255 0 0 0 0]
}
