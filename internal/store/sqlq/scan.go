package sqlq

// Scanner is a row: *sql.Row, *sql.Rows and pgx.Row all are.
type Scanner interface{ Scan(dest ...any) error }

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// ScanJoined scans one row that holds first's columns followed by
// second's, with each backend's own scan function for the two entities, so
// a JOIN needs no scan code of its own. first's Scan call hands its
// destinations on to second, whose Scan runs the row's real Scan with both
// sets; each function then converts its values as usual.
func ScanJoined[A, B any](row Scanner, first func(Scanner) (A, error), second func(Scanner) (B, error)) (A, B, error) {
	var b B
	a, err := first(scanFunc(func(destA ...any) error {
		var err error
		b, err = second(scanFunc(func(destB ...any) error {
			return row.Scan(append(destA[:len(destA):len(destA)], destB...)...)
		}))
		return err
	}))
	return a, b, err
}

// Joined is one row of a JOIN of two entities.
type Joined[A, B any] struct {
	First  A
	Second B
}

// JoinScan makes the scan function of a JOIN from the two entities' own
// (see ScanJoined).
func JoinScan[A, B any](first func(Scanner) (A, error), second func(Scanner) (B, error)) func(Scanner) (Joined[A, B], error) {
	return func(row Scanner) (Joined[A, B], error) {
		a, b, err := ScanJoined(row, first, second)
		return Joined[A, B]{a, b}, err
	}
}
