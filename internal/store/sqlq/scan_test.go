package sqlq

import (
	"errors"
	"testing"
)

// row scans fixed values into *int destinations, as a driver's row does.
type row struct {
	vals []int
	err  error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if len(dest) != len(r.vals) {
		return errors.New("wrong number of destinations")
	}
	for i, d := range dest {
		*d.(*int) = r.vals[i]
	}
	return nil
}

// pair scans two columns and post-processes them after Scan returns, as
// the backends' scan functions do.
func pair(s Scanner) ([2]int, error) {
	var a, b int
	if err := s.Scan(&a, &b); err != nil {
		return [2]int{}, err
	}
	return [2]int{a * 10, b * 10}, nil
}

func one(s Scanner) (int, error) {
	var c int
	err := s.Scan(&c)
	return c + 1, err
}

func TestScanJoined(t *testing.T) {
	a, b, err := ScanJoined(row{vals: []int{1, 2, 3}}, pair, one)
	if err != nil || a != [2]int{10, 20} || b != 4 {
		t.Fatalf("ScanJoined = %v, %v, %v", a, b, err)
	}
	fail := errors.New("no rows")
	if _, _, err := ScanJoined(row{err: fail}, pair, one); !errors.Is(err, fail) {
		t.Fatalf("error = %v, want %v", err, fail)
	}
}
