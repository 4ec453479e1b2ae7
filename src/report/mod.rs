//! Rendering: diagnostics and results for terminals (miette) and machines (JSON, SARIF, GitHub).
