(ns example.inventory
  (:require [clojure.string :as str]
            [clojure.set :refer [union]]))

;; Stock levels keyed by SKU.
(def ^:private stock (atom {"A-1" 4 "B-2" 0}))

(defrecord Item [sku name price])

(defn restock!
  "Adds qty units of sku to the stock."
  [sku qty]
  {:pre [(pos? qty)]}
  (swap! stock update sku (fnil + 0) qty))

(defn in-stock? [sku]
  (let [n (get @stock sku 0)]
    (cond
      (zero? n) false
      :else true)))

(defn describe [{:keys [sku name price]}]
  (format "%s (%s): %.2f" name (str/upper-case sku) (double price)))

(restock! "B-2" 3)
(println (describe (->Item "b-2" "Widget" 9.5)) (in-stock? "B-2"))
