"""eqchip.sim"""
