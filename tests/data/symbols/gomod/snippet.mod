module example.com/syntaxd/client

go 1.22

toolchain go1.22.3

require (
	github.com/google/uuid v1.6.0
	golang.org/x/sync v0.7.0
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

require github.com/stretchr/testify v1.9.0

replace example.com/syntaxd/proto => ../proto

exclude golang.org/x/net v0.0.0-20190620200207-3b0461eec859

retract v1.0.1 // published by mistake
