"""The programme's pure code: the agreement and activities (core), the progress map (placement, indicators, suggestions)."""
