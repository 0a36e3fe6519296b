//go:build tools

// Pins the pgstream release the e2e tier runs; e2e/tools.sh builds it into .tools/.
package tools

import _ "github.com/xataio/pgstream"
