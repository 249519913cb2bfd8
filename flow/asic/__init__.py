"""eqchip.asic"""
