# Put first on papermill's path by .ci/papermill: importing the real rfc3987_syntax (pulled in by jsonschema's format
# checks, through nbformat) builds a Lark grammar and costs 1.7 s at every papermill start, half of an empty notebook's
# 3.0 s (measured with -X importtime). jsonschema imports it inside `suppress(ImportError)` and only loses its "iri"
# format check, which no notebook of this project uses. The kernels papermill starts never import it.
raise ImportError("rfc3987_syntax is skipped for papermill runs (.ci/papermill-path): its import costs 1.7 s")
