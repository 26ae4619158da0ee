"""Pure business rules: identity numbers, retirement, pensions, contributions,
benefits and transfers. Nothing here imports the rest of the project, a
database or a user interface; money is integer fen, rates are Decimal."""
