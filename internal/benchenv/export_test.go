package benchenv

// Block returns block k of the file as it is stored, for the tests.
func (w *FsyncFile) Block(k int) ([]byte, error) {
	b := make([]byte, len(w.block))
	_, err := w.f.ReadAt(b, int64(k%fsyncWindow)*int64(len(w.block)))
	return b, err
}
