// Package web holds the dashboard's sources (React + TypeScript, built by
// Vite) and embeds their committed build, dist/, into the binary. The
// internal/webui package serves it.
package web

import "embed"

// Dist is the built dashboard: index.html and assets/ with content-hashed names.
//
//go:embed all:dist
var Dist embed.FS
