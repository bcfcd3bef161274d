// Definitions a C# outline must show.
using System;
using System.Collections.Generic;

namespace App.Models
{
    public delegate void Changed(object sender);

    public interface IShape
    {
        double Area();
        string Name { get; }
    }

    public enum Color { Red, Green = 2, Blue }

    public struct Point
    {
        public int X;
        public int Y;
        public Point(int x, int y) { X = x; Y = y; }
    }

    public record Person(string First, string Last);

    public abstract class Shape<T> : IShape where T : struct
    {
        public const int Sides = 0;
        private readonly List<T> _items = new();
        public event Changed OnChanged;

        protected Shape() { }
        ~Shape() { }

        public string Name { get; set; } = "shape";
        public T this[int index] => _items[index];

        public abstract double Area();

        public static Shape<T> operator +(Shape<T> a, Shape<T> b) => a;

        public class Nested
        {
            void Run()
            {
                int Local(int x) => x * 2;
                Local(1);
            }
        }
    }
}

namespace App.Tools;

static class Extensions
{
    public static bool IsEmpty(this string s) => s.Length == 0;
}
