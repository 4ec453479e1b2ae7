source teams: [team] = "registry/*.yaml"
