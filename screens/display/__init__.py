"""Display-board screens (mode ``display``): the hall's big screen."""
