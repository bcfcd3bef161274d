using System;
using System.Collections.Generic;
using System.Linq;

namespace Shop.Orders
{
    public record OrderLine(string Sku, int Quantity, decimal Price);

    public class Order
    {
        private readonly List<OrderLine> _lines = new();

        public string Customer { get; init; } = "";

        public void Add(OrderLine line)
        {
            if (line.Quantity <= 0)
                throw new ArgumentException("quantity must be positive");
            _lines.Add(line);
        }

        public decimal Total() => _lines.Sum(l => l.Quantity * l.Price);
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            var order = new Order { Customer = "Ada" };
            order.Add(new OrderLine("A-1", 2, 9.99m));
            Console.WriteLine($"{order.Customer}: {order.Total():C}");
        }
    }
}
