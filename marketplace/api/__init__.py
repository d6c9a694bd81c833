"""The JSON API's shared pieces: the OpenAPI document merged from each domain's fragment."""
