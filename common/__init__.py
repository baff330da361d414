"""The ground floor: what every stage may stand on — the one exception tree (`errors`), the masking of
secrets in text (`masking`) and the pause of Python's cycle collector (`cycles`). Nothing of ours below it."""
