"""Small widgets shared by the screens: numbered menu buttons, the resident
bar with 首页/返回, the on-screen keypad, the staff gate."""
