// Package shapes has the definitions a Go outline must show.
package shapes

import "math"

const Pi = math.Pi

const (
	Small = iota
	Large
)

var registry = map[string]Shape{}

// Shape is anything with an area.
type Shape interface {
	Area() float64
	Name() string
}

type Circle struct {
	Radius float64
	label  string
}

type Celsius float64

type Alias = Circle

type Pair[T any] struct {
	First, Second T
}

func NewCircle(r float64) *Circle {
	return &Circle{Radius: r}
}

func (c *Circle) Area() float64 {
	return Pi * c.Radius * c.Radius
}

func (c Circle) Name() string { return c.label }

func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func init() {
	registry["circle"] = NewCircle(1)
}
