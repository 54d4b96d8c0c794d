"""Partner API keys (media, researchers) with scopes and quotas, and the per-client limits of
the public read API (anonymous, user tokens, partner keys). See docs/api.md "Limits"."""
