package main

import (
	"errors"
	"fmt"
	"strings"
)

// Stack is a LIFO of strings.
type Stack struct {
	items []string
}

var ErrEmpty = errors.New("stack is empty")

func (s *Stack) Push(v string) {
	s.items = append(s.items, v)
}

func (s *Stack) Pop() (string, error) {
	if len(s.items) == 0 {
		return "", ErrEmpty
	}
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v, nil
}

func main() {
	s := &Stack{}
	for _, w := range strings.Fields("one two three") {
		s.Push(w)
	}
	for {
		v, err := s.Pop()
		if err != nil {
			break
		}
		fmt.Println(v)
	}
}
